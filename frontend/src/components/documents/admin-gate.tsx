"use client";
/**
 * The teacher's pages need the admin token: asked once, checked with the server, kept for the
 * tab's session. Any later 401 forgets it and asks again.
 */
import { KeyRoundIcon, LogOutIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { ErrorMessage } from "@/components/errors/error-message";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { getAdminToken, setAdminToken } from "@/lib/admin-token";
import { api } from "@/lib/api/client";
import { toApiError } from "@/lib/api/errors";
import { PanelLoading } from "@/components/sources/panel-loading";

type GateState =
  | { status: "checking" }
  | { status: "locked"; error: unknown }
  | { status: "unreachable"; error: unknown }
  | { status: "unlocked" };

type Admin = {
  /** Forget the token and ask for it again. */
  signOut: () => void;
  /** Ask for the token again when `error` is a 401; true if it was one (the caller stops). */
  handleError: (error: unknown) => boolean;
};

const AdminContext = createContext<Admin | null>(null);

export function useAdmin(): Admin {
  const admin = useContext(AdminContext);
  if (!admin) throw new Error("useAdmin must be used inside <AdminGate>");
  return admin;
}

/** Check the stored token with the server: what the gate should show next. */
async function verify(): Promise<GateState> {
  if (!getAdminToken()) return { status: "locked", error: null };
  try {
    await api.checkAdmin();
    return { status: "unlocked" };
  } catch (error) {
    if (toApiError(error).kind !== "unauthorized") return { status: "unreachable", error };
    setAdminToken(null);
    return { status: "locked", error };
  }
}

/** `title`: the heading of the page it guards (the documents page's by default). */
export function AdminGate({ children, title }: { children: React.ReactNode; title?: string }) {
  const t = useTranslations("documents");
  const common = useTranslations("common");
  const [state, setState] = useState<GateState>({ status: "checking" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    verify().then((next) => live && setState(next));
    return () => {
      live = false;
    };
  }, [attempt]);

  const signIn = useCallback((token: string) => {
    setAdminToken(token);
    setState({ status: "checking" });
    setAttempt((n) => n + 1);
  }, []);

  const admin = useMemo<Admin>(
    () => ({
      signOut: () => {
        setAdminToken(null);
        setState({ status: "locked", error: null });
      },
      handleError: (error) => {
        if (toApiError(error).kind !== "unauthorized") return false;
        setAdminToken(null);
        setState({ status: "locked", error });
        return true;
      },
    }),
    [],
  );

  if (state.status === "checking") {
    return (
      <main className="flex-1">
        <PanelLoading label={common("loading")} />
      </main>
    );
  }
  if (state.status === "unreachable") {
    return (
      <main className="mx-auto w-full max-w-md p-4">
        <ErrorMessage error={state.error} onRetry={() => setAttempt((n) => n + 1)} />
      </main>
    );
  }
  if (state.status === "locked") return <TokenForm error={state.error} onSubmit={signIn} />;
  return (
    <AdminContext.Provider value={admin}>
      <main className="flex min-h-0 min-w-0 flex-1 flex-col">
        <div className="flex flex-wrap items-center gap-2 border-b px-4 py-2">
          <h1 className="mr-auto text-lg font-semibold">{title ?? t("title")}</h1>
          <Button variant="outline" size="sm" onClick={admin.signOut} data-testid="sign-out">
            <LogOutIcon aria-hidden />
            {t("admin.signOut")}
          </Button>
        </div>
        {children}
      </main>
    </AdminContext.Provider>
  );
}

function TokenForm({ error, onSubmit }: { error: unknown; onSubmit: (token: string) => void }) {
  const t = useTranslations("documents");
  const [token, setToken] = useState("");
  return (
    <main className="mx-auto flex w-full max-w-md flex-col gap-4 p-4 sm:pt-12">
      <div className="flex flex-col gap-1">
        <h1 className="flex items-center gap-2 text-lg font-semibold">
          <KeyRoundIcon aria-hidden className="size-5 text-primary" />
          {t("admin.title")}
        </h1>
        <p className="text-sm text-muted-foreground">{t("admin.intro")}</p>
      </div>
      {error ? <ErrorMessage error={error} /> : null}
      <form
        className="flex flex-col gap-3"
        onSubmit={(event) => {
          event.preventDefault();
          if (token.trim()) onSubmit(token.trim());
        }}
      >
        <label className="flex flex-col gap-1.5 text-sm font-medium">
          {t("admin.tokenLabel")}
          <Input
            type="password"
            autoComplete="current-password"
            required
            value={token}
            onChange={(event) => setToken(event.target.value)}
            data-testid="admin-token"
          />
        </label>
        <Button type="submit" className="self-start" data-testid="admin-submit">
          {t("admin.submit")}
        </Button>
      </form>
    </main>
  );
}
