"use client";
import { useCallback, useEffect, useState } from "react";
import { studyApi, type StudySet } from "@/lib/api/study";
import { isBuilding, STUDY_POLL, studyPollDelay } from "./polling";

type State = { id: string; set: StudySet | null; error: unknown };

/**
 * One study set, fetched when `id` is set and asked about again every second while its job
 * builds it (queued or running), so its progress and first items show as they come. Failed
 * requests wait longer each time and are shown after a few in a row; it keeps trying.
 */
export function useStudySet(id: string | null, initial?: StudySet | null) {
  const [state, setState] = useState<State | null>(
    id && initial && initial.id === id ? { id, set: initial, error: null } : null,
  );
  const [attempt, setAttempt] = useState(0);
  const current = state?.id === id ? state : null;
  const building = current?.set ? isBuilding(current.set) : true;

  useEffect(() => {
    if (!id || !building) return;
    let live = true;
    let timer: number | undefined;
    let failures = 0;
    const controller = new AbortController();

    const tick = () => {
      timer = undefined;
      studyApi.set(id, controller.signal).then(
        (set) => {
          if (!live) return;
          failures = 0;
          setState({ id, set, error: null });
          if (isBuilding(set)) schedule(STUDY_POLL.everyMs);
        },
        (error: unknown) => {
          if (!live) return;
          failures += 1;
          // A set that is gone (deleted elsewhere) will not come back: say so at once.
          const gone = (error as { status?: unknown }).status === 404;
          if (gone || failures >= STUDY_POLL.failuresShown) {
            setState((s) => ({ id, set: s?.id === id ? s.set : null, error }));
          }
          if (!gone) schedule(studyPollDelay(failures));
        },
      );
    };
    const schedule = (ms: number) => {
      timer = window.setTimeout(tick, document.hidden ? Math.max(ms, STUDY_POLL.hiddenMs) : ms);
    };
    const onVisibility = () => {
      if (document.hidden || timer === undefined) return;
      window.clearTimeout(timer);
      tick();
    };
    document.addEventListener("visibilitychange", onVisibility);
    // The first request at once unless we already hold the set (just created): then in a second.
    if (current?.set) schedule(STUDY_POLL.everyMs);
    else tick();
    return () => {
      live = false;
      controller.abort();
      window.clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
    // `current` is read once, when polling (re)starts; following its changes would restart it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, building, attempt]);

  const retry = useCallback(() => {
    setState((s) => (s ? { ...s, error: null } : s));
    setAttempt((n) => n + 1);
  }, []);

  return { set: current?.set ?? null, error: current?.error ?? null, retry };
}
