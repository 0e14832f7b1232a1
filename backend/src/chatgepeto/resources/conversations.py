"""Conversations: a student's history (list with filters and paging, show, delete), ratings
of answers, and the store the answering pipeline reads and writes turns through.

Each student sees only their own: another student's conversation or message is a NotFound,
as if it did not exist. A teacher (`admin`) may list and read every conversation, not change
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from chatgepeto.analytics.questions import AskedQuestion, load_questions
from chatgepeto.errors import InvalidInput
from chatgepeto.resources.collections import require_collection
from chatgepeto.resources.paging import decode_cursor, encode_cursor
from chatgepeto.storage.db import session_scope
from chatgepeto.storage.lookup import not_found
from chatgepeto.storage.models import Conversation, Feedback, Message


@dataclass(frozen=True)
class Viewer:
    """Who asks: the student of the id cookie, and whether the admin token came too."""

    user_id: str | None
    admin: bool = False


@dataclass(frozen=True)
class ConversationFilter:
    user_id: str | None = None  # a teacher's filter; a student always gets their own
    collection_id: str | None = None
    q: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 20
    cursor: str | None = None


class Conversations:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    # -- the student's history ---------------------------------------------------------------

    def list(
        self, viewer: Viewer, where: ConversationFilter
    ) -> tuple[list[Conversation], str | None]:
        """The viewer's conversations (a teacher's: everybody's, or `where.user_id`'s), most
        recently active first, filtered; the page and the cursor of the next one."""
        stmt = select(Conversation)
        if not viewer.admin:
            stmt = stmt.where(Conversation.user_id == viewer.user_id)
        elif where.user_id:
            stmt = stmt.where(Conversation.user_id == where.user_id)
        if where.collection_id:
            stmt = stmt.where(Conversation.collection_id == where.collection_id)
        if where.since:
            stmt = stmt.where(Conversation.updated_at >= where.since)
        if where.until:
            stmt = stmt.where(Conversation.updated_at <= where.until)
        if where.q and where.q.strip():
            # Words, not patterns: `%` and `_` are searched for as themselves.
            q = where.q.strip()
            stmt = stmt.where(
                or_(
                    Conversation.title.icontains(q, autoescape=True),
                    exists().where(
                        and_(
                            Message.conversation_id == Conversation.id,
                            Message.content.icontains(q, autoescape=True),
                        )
                    ),
                )
            )
        if where.cursor:
            stamp, last_id = decode_cursor(where.cursor)
            stmt = stmt.where(
                or_(
                    Conversation.updated_at < stamp,
                    and_(Conversation.updated_at == stamp, Conversation.id < last_id),
                )
            )
        stmt = stmt.order_by(Conversation.updated_at.desc(), Conversation.id.desc()).limit(
            where.limit + 1
        )
        with self.sessions() as session:
            rows = list(session.scalars(stmt))
        page = rows[: where.limit]
        more = len(rows) > where.limit
        return page, encode_cursor(page[-1].updated_at, page[-1].id) if more else None

    def get(self, conversation_id: str, viewer: Viewer) -> Conversation:
        """One of the viewer's conversations (any, for a teacher) with its messages in order."""
        with self.sessions() as session:
            conversation = self._visible(
                session,
                conversation_id,
                viewer,
                options=[selectinload(Conversation.messages)],
            )
            # Question before answer where both carry the same time.
            conversation.messages.sort(key=lambda m: (m.created_at, m.role != "user"))
            return conversation

    def delete(self, conversation_id: str, viewer: Viewer) -> None:
        """Delete one of the student's own conversations and its messages (a teacher too may
        only delete their own)."""
        with session_scope(self.sessions) as session:
            session.delete(self._visible(session, conversation_id, Viewer(viewer.user_id)))

    def rate(self, message_id: str, user_id: str | None, rating: str, comment: str | None) -> None:
        """Rate one of the student's answers; a new rating replaces the last."""
        with session_scope(self.sessions) as session:
            message = session.get(Message, message_id)
            if message is None or message.conversation.user_id != user_id:
                raise not_found("Message", message_id)
            if message.role != "assistant":
                raise InvalidInput("Feedback is for answers; this message is a question.")
            # One opinion per answer: a student who changes their mind replaces it.
            session.execute(delete(Feedback).where(Feedback.message_id == message.id))
            session.add(Feedback(message_id=message.id, rating=rating, comment=comment))

    @staticmethod
    def _visible(
        session: Session, conversation_id: str, viewer: Viewer, **options: object
    ) -> Conversation:
        conversation = session.get(Conversation, conversation_id, **options)  # type: ignore[arg-type]
        if conversation is None or not (viewer.admin or conversation.user_id == viewer.user_id):
            raise not_found("Conversation", conversation_id)
        return conversation

    def questions_since(self, collection_id: str, since: datetime) -> list[AskedQuestion]:
        """The collection's questions asked since then, with what became of each (the
        teacher's analytics), newest first; NotFound for a collection that does not exist."""
        with self.sessions() as session:
            require_collection(session, collection_id)
            return load_questions(session, collection_id, since)

    # -- the answering pipeline's store ------------------------------------------------------

    def recent(
        self, conversation_id: str, user_id: str | None, collection_id: str, turns: int
    ) -> list[Message]:
        """The last `turns` messages of the student's conversation, oldest first; NotFound for
        anybody else's, InvalidInput if it is about another collection."""
        with self.sessions() as session:
            conversation = self._visible(session, conversation_id, Viewer(user_id))
            if conversation.collection_id != collection_id:
                raise InvalidInput(
                    "This conversation belongs to another collection; start a new one."
                )
            return list(
                session.scalars(
                    select(Message)
                    .where(Message.conversation_id == conversation_id)
                    .order_by(Message.created_at.desc())
                    .limit(turns)
                )
            )[::-1]

    def add_question(
        self,
        conversation_id: str | None,
        collection_id: str,
        user_id: str | None,
        question: str,
        standalone: str | None,
    ) -> str:
        """Store a question (in a new conversation, titled by it, without `conversation_id`);
        the conversation's id. NotFound if the conversation was deleted meanwhile."""
        with session_scope(self.sessions) as session:
            if conversation_id:
                conversation = session.get(Conversation, conversation_id)
                if conversation is None:
                    raise not_found("Conversation", conversation_id)
                conversation.updated_at = datetime.now(UTC)
            else:
                conversation = Conversation(
                    collection_id=collection_id, user_id=user_id, title=question[:120]
                )
                session.add(conversation)
                session.flush()
            session.add(
                Message(
                    conversation_id=conversation.id,
                    role="user",
                    content=question,
                    standalone_question=standalone,
                )
            )
            return conversation.id

    def add_answer(self, message: Message) -> None:
        """Store an answer in its conversation, which becomes the most recently active."""
        with session_scope(self.sessions) as session:
            session.add(message)
            conversation = session.get(Conversation, message.conversation_id)
            if conversation is not None:
                conversation.updated_at = datetime.now(UTC)
