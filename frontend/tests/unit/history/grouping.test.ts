import { describe, expect, it } from "vitest";
import { groupConversations, historyGroupOf, parseTimestamp } from "@/lib/chat/history";

// Local times, so the test means the same in any time zone.
const now = new Date(2025, 4, 20, 9, 30); // 20 May 2025, 09:30 local
const at = (y: number, m: number, d: number, h = 12, min = 0) => new Date(y, m, d, h, min).toISOString();

describe("history date groups", () => {
  it("uses calendar days in local time", () => {
    expect(historyGroupOf(at(2025, 4, 20, 0, 1), now)).toBe("today");
    expect(historyGroupOf(at(2025, 4, 20, 23, 59), now)).toBe("today"); // clock skew: still today
    expect(historyGroupOf(at(2025, 4, 19, 23, 59), now)).toBe("yesterday");
    expect(historyGroupOf(at(2025, 4, 19, 0, 0), now)).toBe("yesterday");
    expect(historyGroupOf(at(2025, 4, 18), now)).toBe("last7");
    expect(historyGroupOf(at(2025, 4, 14), now)).toBe("last7");
    expect(historyGroupOf(at(2025, 4, 13), now)).toBe("last30");
    expect(historyGroupOf(at(2025, 3, 21), now)).toBe("last30");
    expect(historyGroupOf(at(2025, 3, 20), now)).toBe("older");
    expect(historyGroupOf(at(2024, 11, 31), now)).toBe("older");
  });

  it("groups in display order, keeping the API's order inside each group", () => {
    const items = [
      { id: "a", updated_at: at(2025, 4, 20, 9) },
      { id: "b", updated_at: at(2025, 4, 20, 8) },
      { id: "c", updated_at: at(2025, 4, 19) },
      { id: "d", updated_at: at(2025, 2, 1) },
      { id: "e", updated_at: at(2025, 4, 16) },
    ];
    const groups = groupConversations(items, now);
    expect(groups.map((g) => [g.group, g.items.map((i) => i.id)])).toEqual([
      ["today", ["a", "b"]],
      ["yesterday", ["c"]],
      ["last7", ["e"]],
      ["older", ["d"]],
    ]);
    expect(groupConversations([], now)).toEqual([]);
  });

  it("reads a timestamp without a zone as UTC", () => {
    expect(parseTimestamp("2025-05-20T12:00:00").toISOString()).toBe("2025-05-20T12:00:00.000Z");
    expect(parseTimestamp("2025-05-20T12:00:00.123456+00:00").getTime()).toBe(
      Date.parse("2025-05-20T12:00:00.123Z"),
    );
    expect(parseTimestamp("2025-05-20T09:00:00-03:00").toISOString()).toBe("2025-05-20T12:00:00.000Z");
  });
});
