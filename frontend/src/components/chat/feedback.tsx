"use client";
import { ThumbsDownIcon, ThumbsUpIcon } from "lucide-react";
import { useTranslations } from "next-intl";
import { useId, useState } from "react";
import { ErrorMessage } from "@/components/errors/error-message";
import { Button } from "@/components/ui/button";
import { Textarea } from "@/components/ui/textarea";
import { api } from "@/lib/api/client";
import { cn } from "@/lib/utils";

type Rating = "up" | "down";
type Sent = "idle" | "sending" | "sent";

/**
 * Thumbs up/down for an answer. The rating is sent at once (so it counts even if the student
 * moves on); an optional comment box then appears and sends the rating again with the comment.
 */
export function Feedback({ messageId }: { messageId: string }) {
  const t = useTranslations("chat.feedback");
  const commentId = useId();
  const [rating, setRating] = useState<Rating | null>(null);
  const [comment, setComment] = useState("");
  const [commentState, setCommentState] = useState<Sent>("idle");
  const [error, setError] = useState<unknown>(null);

  async function rate(next: Rating) {
    if (next === rating) return;
    setRating(next);
    setCommentState("idle");
    setError(null);
    try {
      await api.feedback(messageId, next);
    } catch (e) {
      setError(e);
      setRating(null);
    }
  }

  async function sendComment(event: React.FormEvent) {
    event.preventDefault();
    if (!rating || !comment.trim()) return;
    setCommentState("sending");
    setError(null);
    try {
      await api.feedback(messageId, rating, comment.trim());
      setCommentState("sent");
      setComment("");
    } catch (e) {
      setError(e);
      setCommentState("idle");
    }
  }

  const thumb = (value: Rating) => {
    const Icon = value === "up" ? ThumbsUpIcon : ThumbsDownIcon;
    return (
      <Button
        variant="ghost"
        size="icon-sm"
        aria-label={t(value)}
        title={t(value)}
        aria-pressed={rating === value}
        data-testid={`feedback-${value}`}
        onClick={() => rate(value)}
        className={cn(rating === value && "bg-muted text-primary")}
      >
        <Icon aria-hidden />
      </Button>
    );
  };

  return (
    <>
      {thumb("up")}
      {thumb("down")}
      {(rating || error) && (
        <div className="mt-2 w-full basis-full">
          {error ? (
            <ErrorMessage error={error} />
          ) : commentState === "sent" ? (
            <p role="status" className="text-xs text-muted-foreground">
              {t("commentThanks")}
            </p>
          ) : (
            <form onSubmit={sendComment} className="flex flex-col gap-2">
              <p role="status" className="text-xs text-muted-foreground">
                {t("thanks")}
              </p>
              <label htmlFor={commentId} className="text-xs font-medium">
                {t(rating === "down" ? "commentLabelDown" : "commentLabelUp")}
              </label>
              <Textarea
                id={commentId}
                data-testid="feedback-comment"
                value={comment}
                maxLength={2000}
                rows={2}
                onChange={(e) => setComment(e.target.value)}
                placeholder={t("commentPlaceholder")}
              />
              <div>
                <Button
                  type="submit"
                  size="sm"
                  variant="outline"
                  data-testid="feedback-submit"
                  disabled={!comment.trim() || commentState === "sending"}
                >
                  {t("send")}
                </Button>
              </div>
            </form>
          )}
        </div>
      )}
    </>
  );
}
