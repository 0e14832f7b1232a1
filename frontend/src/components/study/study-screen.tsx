"use client";
import { useTranslations } from "next-intl";
import { useRouter, useSearchParams } from "next/navigation";
import { useCallback, useState } from "react";
import { CollectionPicker, NoCollections } from "@/components/chat/collection-picker";
import { useCollections } from "@/components/chat/use-collections";
import { ErrorMessage } from "@/components/errors/error-message";
import type { Citation } from "@/lib/api/schemas";
import type { StudySet } from "@/lib/api/study";
import {
  getPreferredCollection,
  pickCollection,
  setPreferredCollection,
} from "@/lib/chat/collection-preference";
import { lazyModule, useLazyModule } from "@/lib/lazy-module";
import { CreateForm } from "./create-form";
import { SetList } from "./set-list";
import { SetView } from "./set-view";

// The source viewer (pdf.js and all), fetched once there is something to cite.
const sourceViewer = lazyModule(() => import("@/components/sources/source-panel"));

const SET_PARAM = "set";
const setUrl = (id: string | null) => (id ? `/study?${SET_PARAM}=${encodeURIComponent(id)}` : "/study");

/**
 * The study page: the material (a collection, as in the chat), a new quiz, flashcards or study
 * guide from it, the sets already made; the open set is kept in `?set=<id>` so a reload keeps it.
 */
export function StudyScreen() {
  const t = useTranslations("study");
  const router = useRouter();
  const openId = useSearchParams().get(SET_PARAM);
  const [created, setCreated] = useState<StudySet | null>(null);
  const [citation, setCitation] = useState<Citation | null>(null);

  const { collections, error: collectionsError, reload } = useCollections();
  const [chosen, setChosen] = useState<string | null>(null);
  const ids = collections?.map((c) => c.id) ?? [];
  const collectionId = collections ? pickCollection(ids, chosen, getPreferredCollection()) : chosen;
  const followCollection = useCallback((id: string) => {
    setChosen(id);
    setPreferredCollection(id);
  }, []);

  const open = (id: string | null) => {
    setCitation(null);
    router.replace(setUrl(id), { scroll: false });
  };
  const viewer = useLazyModule(sourceViewer, openId !== null);
  const noCollections = collections !== null && collections.length === 0;

  return (
    <div className="flex min-h-0 w-full flex-1">
      <main className="min-w-0 flex-1 overflow-y-auto" data-testid="study-screen">
        <div className="mx-auto flex w-full max-w-3xl flex-col gap-6 px-3 py-4 sm:px-6">
          {openId === null && (
            <div className="flex flex-col gap-1">
              <h1 className="text-lg font-semibold">{t("title")}</h1>
              <p className="text-sm text-muted-foreground">{t("intro")}</p>
            </div>
          )}
          {collectionsError !== null && <ErrorMessage error={collectionsError} onRetry={reload} />}
          {openId !== null ? (
            <SetView
              key={openId}
              setId={openId}
              initial={created?.id === openId ? created : null}
              onBack={() => open(null)}
              onCite={setCitation}
              onCollection={followCollection}
            />
          ) : noCollections ? (
            <NoCollections />
          ) : (
            <>
              <div className="flex items-center">
                <CollectionPicker collections={collections} value={collectionId} onChange={followCollection} />
              </div>
              {collectionId && (
                <>
                  <CreateForm
                    key={collectionId}
                    collectionId={collectionId}
                    onCreated={(set) => {
                      setCreated(set);
                      open(set.id);
                    }}
                  />
                  <SetList key={`sets-${collectionId}`} collectionId={collectionId} onOpen={(set) => open(set.id)} />
                </>
              )}
            </>
          )}
        </div>
      </main>
      {viewer && <viewer.SourcePanel citation={citation} onClose={() => setCitation(null)} />}
    </div>
  );
}
