"use client";
import { MessageSquareIcon, SearchIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useId, useMemo, useState } from "react";
import { ErrorMessage } from "@/components/errors/error-message";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { groupConversations } from "@/lib/chat/history";
import { cn } from "@/lib/utils";
import { DeleteConversation } from "./delete-conversation";
import { useConversations } from "./use-conversations";
import { useDebouncedValue } from "./use-debounced-value";

const SEARCH_DELAY_MS = 300;

type Props = {
  activeId: string | null;
  /** Changes whenever the list may be stale (an answer ended). */
  refreshKey: number;
  onOpen: (id: string) => void;
  onDeleted: (id: string) => void;
};

/** Past conversations of this browser, searchable and grouped by date. */
export function HistorySidebar({ activeId, refreshKey, onOpen, onDeleted }: Props) {
  const t = useTranslations("history");
  const searchId = useId();
  const [search, setSearch] = useState("");
  const q = useDebouncedValue(search.trim(), SEARCH_DELAY_MS);
  const history = useConversations(q, refreshKey);
  // "Today" is decided when the list arrives, not on every render.
  const groups = useMemo(() => groupConversations(history.items, new Date()), [history.items]);

  return (
    <nav aria-label={t("label")} className="flex min-h-0 flex-1 flex-col">
      <div className="p-3">
        <label htmlFor={searchId} className="sr-only">
          {t("search")}
        </label>
        <div className="relative">
          <SearchIcon
            aria-hidden
            className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground"
          />
          <Input
            id={searchId}
            type="search"
            data-testid="history-search"
            placeholder={t("search")}
            value={search}
            maxLength={200}
            onChange={(e) => setSearch(e.target.value)}
            className="pl-8"
          />
        </div>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto px-2 pb-3" aria-busy={history.refreshing}>
        {history.error !== null && (
          <div className="px-1 pb-2">
            <ErrorMessage error={history.error} onRetry={history.retry} />
          </div>
        )}
        {history.loading ? (
          <p role="status" className="px-2 py-4 text-sm text-muted-foreground">
            {t("loading")}
          </p>
        ) : groups.length === 0 && history.error === null ? (
          <p className="px-2 py-4 text-sm text-muted-foreground" data-testid="history-empty">
            {q ? t("noResults", { q }) : t("empty")}
          </p>
        ) : (
          groups.map(({ group, items }) => (
            <section key={group} className="mb-3" aria-labelledby={`${searchId}-${group}`}>
              <h3
                id={`${searchId}-${group}`}
                className="px-2 pt-2 pb-1 text-xs font-semibold text-muted-foreground"
              >
                {t(`groups.${group}`)}
              </h3>
              <ul className="flex flex-col gap-0.5">
                {items.map((c) => (
                  <li
                    key={c.id}
                    className={cn(
                      "group flex items-center gap-1 rounded-md pr-1 hover:bg-muted",
                      c.id === activeId && "bg-muted",
                    )}
                  >
                    <button
                      type="button"
                      data-testid="history-item"
                      aria-current={c.id === activeId ? "page" : undefined}
                      onClick={() => onOpen(c.id)}
                      className="flex min-w-0 flex-1 items-center gap-2 rounded-md px-2 py-2 text-left text-sm focus-visible:outline-2 focus-visible:outline-offset-[-2px] focus-visible:outline-ring"
                    >
                      <MessageSquareIcon aria-hidden className="size-4 shrink-0 text-muted-foreground" />
                      <span className="truncate">{c.title || t("untitled")}</span>
                    </button>
                    <DeleteConversation
                      conversation={c}
                      onDeleted={(id) => {
                        history.remove(id);
                        onDeleted(id);
                      }}
                    />
                  </li>
                ))}
              </ul>
            </section>
          ))
        )}
        {history.hasMore && !history.loading && (
          <div className="px-2">
            <Button
              variant="ghost"
              size="sm"
              className="w-full"
              disabled={history.loadingMore}
              onClick={history.loadMore}
            >
              {history.loadingMore ? t("loading") : t("loadMore")}
            </Button>
          </div>
        )}
      </div>
    </nav>
  );
}
