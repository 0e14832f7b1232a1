"use client";
import { LightbulbIcon, MenuIcon, SquarePenIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useCallback, useState, useSyncExternalStore } from "react";
import { ErrorMessage } from "@/components/errors/error-message";
import { HistorySidebar } from "@/components/history/history-sidebar";
import { Button } from "@/components/ui/button";
import { Sheet, SheetContent, SheetHeader, SheetTitle, SheetTrigger } from "@/components/ui/sheet";
import type { Citation } from "@/lib/api/schemas";
import { lazyModule, preload, useLazyModule } from "@/lib/lazy-module";
import {
  getPreferredCollection,
  pickCollection,
  setPreferredCollection,
} from "@/lib/chat/collection-preference";
import { getTutorPreference, setTutorPreference, subscribeTutorPreference } from "@/lib/chat/tutor";
import { CollectionPicker, NoCollections } from "./collection-picker";
import { Composer } from "./composer";
import { StarterQuestions } from "./starter-questions";
import { markdownRenderer } from "./answer-text";
import { preloadChatEngine, useAskChat } from "./use-ask-chat";
import { useCollections } from "./use-collections";
import { useMediaQuery } from "./use-media-query";
import { useStickToBottom } from "./use-stick-to-bottom";

// The conversation's turns (answers, their markdown, sources, feedback) have a chunk of their
// own: an empty chat does not need them, and there are no turns before the engine is here.
const conversationView = lazyModule(() => import("./message-list"));
// The source viewer, fetched once there is an answer whose citations may be opened.
const sourceViewer = lazyModule(() => import("@/components/sources/source-panel"));

/** The chat page: history on the left, the conversation, and the cited source when opened. */
export function ChatScreen() {
  const t = useTranslations("chat");
  const common = useTranslations("common");
  const wide = useMediaQuery("(min-width: 768px)");
  const [menuOpen, setMenuOpen] = useState(false);
  const [citation, setCitation] = useState<Citation | null>(null);
  const [input, setInput] = useState("");
  const [historyVersion, setHistoryVersion] = useState(0);
  // Remembered in this browser; off on the server's render (there is no storage there).
  const tutor = useSyncExternalStore(subscribeTutorPreference, getTutorPreference, () => false);

  const { collections, error: collectionsError, reload: reloadCollections } = useCollections();
  const [chosenCollection, setChosenCollection] = useState<string | null>(null);
  const ids = collections?.map((c) => c.id) ?? [];
  const collectionId = collections
    ? pickCollection(ids, chosenCollection, getPreferredCollection())
    : chosenCollection;

  const followCollection = useCallback((id: string) => {
    setChosenCollection(id);
    setPreferredCollection(id);
  }, []);

  const chat = useAskChat({
    collectionId,
    onCollection: followCollection,
    onAnswerEnded: () => setHistoryVersion((n) => n + 1),
  });

  const { scrollRef, contentRef, onScroll } = useStickToBottom<HTMLDivElement, HTMLDivElement>(
    chat.messages.length,
  );

  function send(text: string) {
    const question = text.trim();
    if (!question || !collectionId || chat.busy || chat.loading) return;
    setInput("");
    void chat.send(question, { tutor });
  }

  function chooseCollection(id: string) {
    // A conversation belongs to one collection: asking about another one starts a new chat.
    if (chat.messages.length > 0 || chat.conversationId) chat.newConversation();
    followCollection(id);
  }

  function newConversation() {
    chat.newConversation();
    setCitation(null);
    setInput("");
  }

  // What the first answer needs is not in the first page's JavaScript: it is fetched as soon as
  // the student heads for the chat (a pointer over it, focus in it), before the question is sent.
  function warmUp() {
    preloadChatEngine();
    preload(markdownRenderer);
    preload(conversationView);
  }

  const history = (
    <HistorySidebar
      activeId={chat.conversationId}
      refreshKey={historyVersion}
      onOpen={(id) => {
        setMenuOpen(false);
        setCitation(null);
        chat.openConversation(id);
      }}
      onDeleted={(id) => {
        if (id === chat.conversationId) newConversation();
      }}
    />
  );

  const noCollections = collections !== null && collections.length === 0;
  const empty = chat.messages.length === 0 && !chat.opening;
  const turns = useLazyModule(conversationView, chat.messages.length > 0);
  const viewer = useLazyModule(sourceViewer, chat.messages.length > 0 || citation !== null);
  const liveStatus = chat.busy ? t("status.answering") : chat.answered ? t("status.done") : "";

  return (
    <div className="flex min-h-0 w-full flex-1">
      {wide && (
        <aside className="hidden w-72 shrink-0 flex-col border-r bg-muted/30 md:flex">
          <h2 className="sr-only">{t("historyTitle")}</h2>
          {history}
        </aside>
      )}

      <main className="flex min-w-0 flex-1 flex-col" onPointerOver={warmUp} onFocus={warmUp}>
        <div className="flex items-center gap-2 border-b px-3 py-2">
          {!wide && (
            <Sheet open={menuOpen} onOpenChange={setMenuOpen}>
              <SheetTrigger asChild>
                <Button
                  variant="ghost"
                  size="icon"
                  aria-label={t("openHistory")}
                  data-testid="history-menu"
                  className="md:hidden"
                >
                  <MenuIcon aria-hidden />
                </Button>
              </SheetTrigger>
              <SheetContent
                side="left"
                closeLabel={common("close")}
                aria-describedby={undefined}
                className="max-w-[22rem] sm:max-w-sm"
              >
                <SheetHeader>
                  <SheetTitle>{t("historyTitle")}</SheetTitle>
                </SheetHeader>
                {history}
              </SheetContent>
            </Sheet>
          )}
          <CollectionPicker
            collections={collections}
            value={collectionId}
            onChange={chooseCollection}
          />
          <Button
            variant="outline"
            size="sm"
            data-testid="new-chat"
            onClick={newConversation}
            aria-label={t("newChat")}
            title={t("newChat")}
          >
            <SquarePenIcon aria-hidden />
            <span className="max-sm:hidden">{t("newChat")}</span>
          </Button>
        </div>

        <div ref={scrollRef} onScroll={onScroll} className="min-h-0 flex-1 overflow-y-auto">
          <div
            ref={contentRef}
            className="mx-auto flex w-full max-w-3xl flex-col gap-4 px-3 py-4 sm:px-6"
          >
            {collectionsError !== null && (
              <ErrorMessage error={collectionsError} onRetry={reloadCollections} />
            )}
            {chat.opening &&
              (chat.opening.error ? (
                <ErrorMessage error={chat.opening.error} onRetry={chat.retryOpen} />
              ) : (
                <p role="status" className="text-sm text-muted-foreground">
                  {t("opening")}
                </p>
              ))}
            {noCollections && empty ? (
              <NoCollections />
            ) : empty ? (
              <StarterQuestions onPick={send} disabled={!collectionId || chat.loading} />
            ) : (
              turns && (
                <turns.MessageList
                  messages={chat.messages}
                  busy={chat.busy}
                  onCite={setCitation}
                  onRegenerate={() => void chat.regenerate()}
                />
              )
            )}
            {chat.revealable && !chat.error && (
              <div className="flex flex-wrap items-center gap-2" data-testid="tutor-reveal-row">
                <Button
                  variant="outline"
                  size="sm"
                  data-testid="tutor-reveal"
                  onClick={chat.revealFullAnswer}
                  disabled={chat.loading}
                >
                  <LightbulbIcon aria-hidden />
                  {t("tutor.reveal")}
                </Button>
                <span className="text-xs text-muted-foreground">{t("tutor.revealHint")}</span>
              </div>
            )}
            {chat.error && (
              <ErrorMessage error={chat.error} onRetry={() => void chat.regenerate()} />
            )}
          </div>
        </div>

        <div className="border-t bg-background px-3 pt-2 pb-3 sm:px-6">
          <div className="mx-auto w-full max-w-3xl">
            <Composer
              value={input}
              onChange={setInput}
              onSend={() => send(input)}
              onStop={chat.stop}
              busy={chat.busy}
              canSend={!!collectionId && !chat.loading}
              hint={noCollections ? t("composer.noCollectionHint") : undefined}
              tutor={tutor}
              onTutorChange={setTutorPreference}
            />
          </div>
        </div>
        <p aria-live="polite" className="sr-only" data-testid="chat-status">
          {liveStatus}
        </p>
      </main>

      {viewer && <viewer.SourcePanel citation={citation} onClose={() => setCitation(null)} />}
    </div>
  );
}
