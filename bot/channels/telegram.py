"""Telegram channel (python-telegram-bot, async Application), run inside the gateway.

- Long polling with only TELEGRAM_TOKEN set; webhook mode when TELEGRAM_WEBHOOK_URL is set, Telegram's secret
  token checked on every update (POST /webhooks/telegram). TELEGRAM_BASE_URL points at another Bot API server.
- Each update is handled once (update ids are claimed in the database, so repeats after a restart are
  dropped too) and the updates of one chat run in order; different chats run concurrently.
- The buyer comes from the linked Telegram account (channel identity), never from what they type.
- Buttons become inline keyboards whose callback_data is a short key of an offered payload (64-byte limit).
- Photos, videos and documents are downloaded (never past the size limit, even when Telegram tells no size),
  checked from their bytes and stored; Rasa then gets `/send_evidence` with the stored files in the message
  metadata.
- Updates with parts missing or of the wrong type are skipped with a warning, never answered with an error;
  a button is acted on only for the user whose chat it was offered in.
"""
from __future__ import annotations

import asyncio
import contextlib
import hmac
import html
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import anyio
import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.channels.payloads import payload_key
from bot.channels.relay import Relay, agent_says
from bot.disputes.errors import DomainError, EvidenceRejected, LinkCodeInvalid
from bot.disputes.evidence import Upload, check_upload
from bot.i18n import DEFAULT, N_, SUPPORTED, supported, translator
from bot.i18n.catalogue import Translator
from bot.services import Services
from bot.tokens import TELEGRAM_WEBHOOK_SECRET, internal_token

log = logging.getLogger(__name__)

CHANNEL = "telegram"
WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
MAX_MESSAGE_CHARS = 4096  # Telegram's limit per message, after entity parsing
MAX_INPUT_CHARS = 4000  # what the bot reads of one message (as on the REST channel)
CALLBACK_PREFIX = "p:"
EVIDENCE_INTENT = "/send_evidence"

COMMANDS = [
    ("start", N_("Start, or link your marketplace account")),
    ("help", N_("What I can do")),
    ("orders", N_("Your orders and Buyer Protection days left")),
    ("status", N_("Your disputes and what happens next")),
    ("agent", N_("Talk to a person from our help desk")),
    ("cancel", N_("Leave what we are doing (never cancels a dispute)")),
    ("language", N_("Choose the language I write in")),
]
# Commands are the bot's own shortcuts, so they may go to Rasa as intents.
COMMAND_INTENTS = {"help": "/help", "orders": "/list_orders", "status": "/check_dispute_status",
                   "agent": "/request_human", "cancel": "/stop"}

# Buyer-facing texts, in English; each is translated where it is sent, into the conversation's language (or the
# user's Telegram interface language before there is a conversation).
NOT_LINKED = N_("To see your orders and disputes here, link your marketplace account: open My Account > "
              "Telegram on the marketplace to get a link code, then send /start CODE here. Until then I can "
              "answer general questions.")
APOLOGY = N_("Sorry, something went wrong on my side. Please send your message again in a minute, or send "
           "/agent to reach a person.")
ONLY_PRIVATE = N_("I can only help in a private chat, so your orders stay private. Open a chat with me directly.")
UNSUPPORTED = N_("I can read text, photos, videos and documents (PDF). Please type your question, or send "
               "/help to see what I can do.")
EDITED = N_("I can't change what I already read. Please send the correction as a new message.")
NOT_YOURS = N_("This button is not for you: it was offered in another chat, so I can't act on it.")
# NOT_LINKED follows these two in the same message (its own msgid, so translators see each sentence once).
HELLO = N_("Hi! I help with orders, disputes and refunds.")
FILES_NEED_LINK = N_("I can only attach files to your disputes once your account is linked.")
LINK_INVALID = N_("That link code is not valid or has expired. Get a new one from My Account > Telegram on the "
                  "marketplace, then send /start CODE.")
LINKED = N_("Your Telegram account is now linked to your marketplace account.")
UNKNOWN_COMMAND = N_("I don't know that command. Send /help to see what I can do.")
TOO_LONG = N_("That's a long message: I read the first {limit} characters.")
EXPIRED = N_("This button has expired. Please type your answer instead.")
NOT_ATTACHED = N_("I couldn't attach that: {reason}")
CHOOSE = N_("Choose:")
DOWNLOAD_TIMEOUT = httpx.Timeout(30.0, connect=10.0)  # per read: a slow link still gets a 20 MB file through


def split_text(text: str, limit: int = MAX_MESSAGE_CHARS, measure: Callable[[str], int] = len) -> list[str]:
    """Splits a reply into messages of at most `limit` (as measured), preferring paragraph, line, then word
    boundaries."""
    text = text.strip()
    if measure(text) <= limit:
        return [text] if text else []
    # The longest prefix that fits, then back to the best boundary inside it.
    low, high = 1, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if measure(text[:mid]) <= limit:
            low = mid
        else:
            high = mid - 1
    cut = low
    for boundary in ("\n\n", "\n", " "):
        at = text.rfind(boundary, 0, low)
        if at > low // 2:
            cut = at
            break
    return [text[:cut].rstrip()] + split_text(text[cut:], limit, measure)


def _escaped_len(text: str) -> int:
    return len(html.escape(text, quote=False))


def conversation_id(user_id: int, buyer: str | None) -> str:
    # The buyer is part of the id: linking (or re-linking) starts a conversation that holds no other
    # account's slots.
    return f"{CHANNEL}:{user_id}:{buyer or 'guest'}"


def chat_of(conversation: str) -> int | None:
    """The private chat a Telegram conversation id names (a user's private chat has the user's id), or None for
    another channel's id."""
    channel, user_id, _buyer = (conversation.split(":", 2) + ["", ""])[:3]
    try:
        return int(user_id) if channel == CHANNEL else None
    except ValueError:
        return None


def unusable(update: object) -> str | None:
    """Why an update the library could read still cannot be handled (a user or chat missing, a field of the wrong
    type), or None. The handlers may then rely on the user, chat and texts they use."""
    if not isinstance(update, Update):
        return None
    message = update.message or update.edited_message
    if message is not None:
        if message.from_user is None or message.chat is None:
            return "without a user or chat"
        if not isinstance(message.from_user.id, int) or not isinstance(message.chat.id, int):
            return "with a user or chat id that is not a number"
        for field in ("text", "caption"):
            if not isinstance(getattr(message, field), (str, type(None))):
                return f"with a {field} that is not text"
    query = update.callback_query
    if query is not None:
        if query.from_user is None:
            return "without a user or chat"
        if not isinstance(query.from_user.id, int) or not isinstance(query.data, (str, type(None))):
            return "with a user id or button data of the wrong type"
    return None


def _too_large(name: str, limit: int) -> EvidenceRejected:
    # The domain's message for a file too large (bot.disputes.evidence.check_upload), so it translates the same.
    return EvidenceRejected(N_("{name} is larger than {limit}, the limit per file."), name=name,
                            limit=f"{limit // (1024 * 1024)} MB")


def error_text(_: Translator, exc: DomainError) -> str:
    """A domain error's message in the translator's language."""
    return _(exc.template, **exc.params)


class ChatOrderProcessor(BaseUpdateProcessor):
    """Runs updates of different chats concurrently and those of one chat one after another, in arrival
    order; drops update ids already handled (`claim` returns False for a repeat)."""

    def __init__(self, max_concurrent_updates: int, claim: Callable[[int], Awaitable[bool]]) -> None:
        super().__init__(max_concurrent_updates)
        self._claim = claim
        self._locks: dict[Any, list[Any]] = {}  # chat key -> [lock, users]

    @staticmethod
    def _chat_key(update: object) -> Any:
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return update.effective_chat.id
            if update.effective_user is not None:
                return ("user", update.effective_user.id)
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._chat_key(update)
        entry = self._locks.setdefault(key, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            # Taken before any await, so updates of one chat queue up in the order they arrived.
            async with entry[0]:
                if isinstance(update, Update) and not await self._claim(update.update_id):
                    log.info("telegram update %s was handled before; ignored", update.update_id)
                    if inspect.iscoroutine(coroutine):
                        coroutine.close()  # never awaited: no "coroutine was never awaited" warning
                    return
                await coroutine
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                self._locks.pop(key, None)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class TelegramChannel:
    """`send_only`: for the gateways without the background jobs. It sends (agent replies, the bot's answers)
    and handles webhook calls that reach this gateway, but never polls, registers the webhook or the command
    list: Telegram allows one poller per bot, and one registration is enough."""

    name = CHANNEL

    def __init__(self, services: Services, relay: Relay, secret: str, send_only: bool = False,
                 bot_class: type[ExtBot] = ExtBot) -> None:
        """`secret`: the deployment's (bot.composition.signing_secret); the webhook's secret token derives from it."""
        self._services = services
        self._bot_class = bot_class  # bot.patches.telegram.bot_class, chosen by the composition root
        self._settings = services.settings
        self._relay = relay
        self._offered = relay.offered
        self._app: Application | None = None
        self._started = False
        self.send_only = send_only
        self.webhook_secret = internal_token(secret, TELEGRAM_WEBHOOK_SECRET)[:64]

    @property
    def webhook_mode(self) -> bool:
        return bool(self._settings.telegram_webhook_url)

    @property
    def mode(self) -> str:
        """What /healthz reports: how updates reach this gateway."""
        if self.webhook_mode:
            return "webhook"
        return "sending only" if self.send_only else "polling"

    @property
    def application(self) -> Application:
        if self._app is None:
            self._app = self._build()
        return self._app

    def _build(self) -> Application:
        base = self._settings.telegram_base_url
        bot = self._bot_class(self._settings.telegram_token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot",
                              request=HTTPXRequest(connection_pool_size=64), get_updates_request=HTTPXRequest(),
                              rate_limiter=AIORateLimiter(max_retries=3))
        builder = Application.builder().bot(bot).concurrent_updates(ChatOrderProcessor(64, self._claim_update))
        if self.webhook_mode or self.send_only:
            builder = builder.updater(None)
        app = builder.build()
        private = filters.ChatType.PRIVATE
        new = filters.UpdateType.MESSAGE
        # Before every other handler (group -1): their filters and callbacks may then use user, chat and texts.
        app.add_handler(TypeHandler(Update, self._skip_unusable), group=-1)
        app.add_handler(CommandHandler("start", self._on_start, filters=private & new))
        app.add_handler(CommandHandler([*COMMAND_INTENTS, "language"], self._on_command, filters=private & new))
        app.add_handler(MessageHandler(private & new & filters.COMMAND, self._on_unknown_command))
        app.add_handler(MessageHandler(private & new & filters.TEXT, self._on_text))
        app.add_handler(MessageHandler(private & new & (filters.PHOTO | filters.VIDEO | filters.Document.ALL),
                                       self._on_file))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_handler(MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, self._on_edited))
        app.add_handler(MessageHandler(private & new, self._on_unsupported))
        app.add_handler(MessageHandler(~private & new & filters.COMMAND, self._on_group))
        app.add_error_handler(self._on_error)
        return app

    # ---- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        app = self.application
        await app.initialize()
        if self.send_only:
            # Started all the same: webhook updates fed to this gateway are processed by the application.
            await app.start()
            log.info("telegram: sending only (another gateway %s)",
                     "registered the webhook" if self.webhook_mode else "long-polls")
            self._started = True
            return
        await app.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
        for language in SUPPORTED:
            # Each user's Telegram shows the menu in the language of its interface, when we speak it.
            if language != DEFAULT:
                _ = translator(language)
                await app.bot.set_my_commands([BotCommand(name, _(text)) for name, text in COMMANDS],
                                              language_code=language)
        await app.start()
        if self.webhook_mode:
            await app.bot.set_webhook(self._settings.telegram_webhook_url, secret_token=self.webhook_secret,
                                      allowed_updates=ALLOWED_UPDATES)
            log.info("telegram: webhook mode (%s)", self._settings.telegram_webhook_url)
        else:
            await app.bot.delete_webhook()
            await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=20,
                                            error_callback=self._on_polling_error)
            log.info("telegram: long polling")
        self._started = True

    async def start_with_retries(self) -> None:
        """Keeps trying (Telegram unreachable, bad token) without stopping the rest of the gateway."""
        delay = 2.0
        while True:
            try:
                await self.start()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.error("telegram did not start (%s: %s); retrying in %.0f s", type(exc).__name__, exc, delay)
                with contextlib.suppress(Exception):
                    await self.application.shutdown()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    async def stop(self) -> None:
        if not self._started:
            return
        app = self.application
        if app.updater and app.updater.running:
            await app.updater.stop()
        await app.stop()
        await app.shutdown()
        self._started = False

    @property
    def running(self) -> bool:
        return self._started

    @staticmethod
    def _on_polling_error(exc: TelegramError) -> None:
        log.warning("telegram polling error: %s", exc)

    async def _claim_update(self, update_id: int) -> bool:
        return await anyio.to_thread.run_sync(self._services.channel_state.claim_update, CHANNEL, update_id)

    async def feed_webhook(self, data: dict[str, Any]) -> None:
        update = Update.de_json(data, self.application.bot)
        await self.application.update_queue.put(update)

    # ---- sending -------------------------------------------------------------------------------

    async def send_text(self, chat_id: int | str, text: str, buttons: Sequence[dict[str, str]] = (),
                        language: str = DEFAULT) -> None:
        """`text` as it is (already in the buyer's language); `language` is for the words added to buttons alone."""
        chunks = split_text(text, MAX_MESSAGE_CHARS, _escaped_len)
        markup = None
        if buttons:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(b["title"][:64], callback_data=b["data"])]
                                           for b in buttons])
        bot = self.application.bot
        for i, chunk in enumerate(chunks):
            await bot.send_message(int(chat_id), html.escape(chunk, quote=False), parse_mode=ParseMode.HTML,
                                   reply_markup=markup if i == len(chunks) - 1 else None)
        if markup is not None and not chunks:
            await bot.send_message(int(chat_id), translator(language)(CHOOSE), reply_markup=markup)

    async def push(self, external_id: str, text: str, buttons: Sequence[dict[str, str]] = ()) -> None:
        """Sender for bot.notifications.push.Notifier: the external id of a Telegram identity is the user's
        (private) chat. Buttons (`title`, `payload`) are recorded as offered in the buyer's conversation, so the
        payload guard admits a tap, and sent as an inline keyboard."""
        if not buttons:
            await self.send_text(external_id, text)
            return
        user_id = int(external_id)
        message = {"text": text, "buttons": list(buttons)}
        buyer = await self._buyer(user_id)
        conversation = conversation_id(user_id, buyer)
        await anyio.to_thread.run_sync(self._offered.remember, conversation, [message])
        await self._render(user_id, [message], await self._conversation_language(conversation, buyer))

    async def deliver_to_conversation(self, conversation: str, messages: list[dict[str, Any]]) -> None:
        """Messages written outside a buyer's turn (a help-desk agent, the bot taking over again)."""
        chat_id = chat_of(conversation)
        if chat_id is not None:
            buyer = conversation.split(":", 2)[2]
            await self._render(chat_id, messages,
                               await self._conversation_language(conversation, None if buyer == "guest" else buyer))

    async def _conversation_language(self, conversation: str, buyer: str | None, hint: str | None = None) -> str:
        """The conversation's language; the hint (Telegram's language_code) while it has none. English if the
        store cannot tell: a message in English is better than none."""
        try:
            return await self._relay.languages.current(conversation, buyer, fallback=hint)
        except Exception:
            log.warning("telegram: could not read the language of %s", conversation, exc_info=True)
            return supported(hint) or DEFAULT

    async def _language(self, user: Any, buyer: str | None = None, *, look_up: bool = True) -> Translator:
        """The translator for a text of the channel's own to this user: the conversation's language, else the
        user's Telegram interface language. `look_up`: find the user's buyer first (not known yet)."""
        if look_up:
            try:
                buyer = await self._buyer(user.id)
            except Exception:
                log.warning("telegram: could not read the buyer of a user", exc_info=True)
                return translator(user.language_code)
        return translator(await self._conversation_language(conversation_id(user.id, buyer), buyer,
                                                            user.language_code))

    async def _render(self, chat_id: int, messages: list[dict[str, Any]], language: str = DEFAULT) -> None:
        _ = translator(language)
        for message in messages:
            buttons = [{"title": str(b.get("title") or "?"),
                        "data": CALLBACK_PREFIX + payload_key(str(b.get("payload") or ""))}
                       for b in message.get("buttons") or [] if isinstance(b, dict) and b.get("payload")]
            text = message.get("text") or ""
            if message.get("sender") == "agent":
                # The agent's own words stay as written; the label around them is in the buyer's language.
                text = agent_says(_, message, text)
            image = message.get("image")
            if image:
                try:
                    await self.application.bot.send_photo(chat_id, photo=image)
                except TelegramError as exc:
                    log.warning("telegram: could not send image %s: %s", image, exc)
                    text = f"{text}\n{image}".strip()
            if text or buttons:
                await self.send_text(chat_id, text, buttons, language)

    @contextlib.asynccontextmanager
    async def _typing(self, chat_id: int):
        """Shows 'typing...' while the bot works (Telegram clears it after about 5 seconds)."""
        async def keep_typing() -> None:
            while True:
                with contextlib.suppress(TelegramError):
                    await self.application.bot.send_chat_action(chat_id, ChatAction.TYPING)
                await asyncio.sleep(4.5)

        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            task.cancel()

    async def _buyer(self, user_id: int) -> str | None:
        return await anyio.to_thread.run_sync(self._services.accounts.buyer_for_channel_user, CHANNEL, str(user_id))

    async def _converse(self, chat_id: int, user_id: int, text: str, buyer: str | None, *,
                        from_channel: bool = False, attachments: Sequence[dict[str, str]] = (),
                        language_hint: str | None = None) -> None:
        """`language_hint`: the user's Telegram interface language (User.language_code), a hint only."""
        async with self._typing(chat_id):
            conversation = conversation_id(user_id, buyer)
            exchange = await self._relay.turn(conversation, text, channel=CHANNEL, buyer_id=buyer,
                                              attachments=attachments, from_channel=from_channel,
                                              language_hint=language_hint)
        await self._render(chat_id, exchange.replies,
                           await self._conversation_language(conversation, buyer, language_hint))

    # ---- handlers ------------------------------------------------------------------------------

    async def _skip_unusable(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        problem = unusable(update)
        if problem:
            # Nobody to answer, or nothing to read: the error handler's apology would be wrong here.
            log.warning("telegram update %s %s; skipped", update.update_id, problem)
            raise ApplicationHandlerStop

    async def _on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        code = (context.args or [None])[0]
        if code:
            try:
                linked: str = await anyio.to_thread.run_sync(self._services.accounts.redeem_link_code, code, CHANNEL,
                                                             str(user.id))
            except LinkCodeInvalid:
                _ = await self._language(user)
                await self.send_text(chat.id, _(LINK_INVALID))
                return
            log.info("telegram user linked to a buyer account (update %s)", update.update_id)
            _ = await self._language(user, linked, look_up=False)
            await self.send_text(chat.id, _(LINKED))
            await self._converse(chat.id, user.id, "/greet", linked, from_channel=True,
                                 language_hint=user.language_code)
            return
        buyer = await self._buyer(user.id)
        if buyer is None:
            _ = await self._language(user, None, look_up=False)
            await self.send_text(chat.id, _(HELLO) + " " + _(NOT_LINKED))
            return
        await self._converse(chat.id, user.id, "/greet", buyer, from_channel=True, language_hint=user.language_code)

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        command = update.effective_message.text.split()[0].lstrip("/").split("@")[0].lower()
        user = update.effective_user
        if command == "language":
            # "/language" (a menu) or "/language es": the relay reads the words.
            await self._converse(update.effective_chat.id, user.id, update.effective_message.text or "/language",
                                 await self._buyer(user.id), language_hint=user.language_code)
            return
        await self._converse(update.effective_chat.id, user.id, COMMAND_INTENTS[command], await self._buyer(user.id),
                             from_channel=True, language_hint=user.language_code)

    async def _on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        _ = await self._language(update.effective_user)
        await self.send_text(update.effective_chat.id, _(UNKNOWN_COMMAND))

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        text = update.effective_message.text or ""
        buyer = await self._buyer(user.id)
        if len(text) > MAX_INPUT_CHARS:
            _ = await self._language(user, buyer, look_up=False)
            await self.send_text(chat.id, _(TOO_LONG, limit=MAX_INPUT_CHARS))
            text = text[:MAX_INPUT_CHARS]
        # Typed text never reaches Rasa as an intent (the relay's payload guard): only offered payloads do.
        await self._converse(chat.id, user.id, text, buyer, language_hint=user.language_code)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        user = update.effective_user
        if query.message is not None and query.message.chat.id != user.id:
            # A private chat's id is its user's: the tap is on a message of someone else's chat, whose buttons
            # were offered to that user only (and the answer would go to that chat).
            log.warning("telegram update %s: a button of another chat tapped; refused", update.update_id)
            await query.answer((await self._language(user))(NOT_YOURS))
            return
        buyer = await self._buyer(user.id)
        conversation = conversation_id(user.id, buyer)
        data = query.data or ""
        payload = await anyio.to_thread.run_sync(self._offered.payload_for_key, conversation,
                                                 data[len(CALLBACK_PREFIX):]) if data.startswith(CALLBACK_PREFIX) \
            else None
        if payload is None:
            await query.answer((await self._language(user, buyer, look_up=False))(EXPIRED))
            return
        await query.answer()
        if query.message is not None:
            # The choice is made: the keyboard goes, so a second tap cannot repeat it.
            with contextlib.suppress(TelegramError):
                await query.edit_message_reply_markup(reply_markup=None)
        chat_id = query.message.chat.id if query.message is not None else user.id
        await self._converse(chat_id, user.id, payload, buyer, language_hint=user.language_code)

    async def _on_file(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        buyer = await self._buyer(user.id)
        _ = await self._language(user, buyer, look_up=False)
        if buyer is None:
            await self.send_text(chat.id, _(FILES_NEED_LINK) + " " + _(NOT_LINKED))
            return
        if message.photo:
            item, name = message.photo[-1], f"photo-{message.message_id}.jpg"
        elif message.video:
            item, name = message.video, message.video.file_name or f"video-{message.message_id}.mp4"
        else:
            item, name = message.document, message.document.file_name or f"file-{message.message_id}"
        rules = self._settings.rules
        try:
            async with self._typing(chat.id):
                data = await self._download(item, name, rules.max_evidence_file_bytes)
            checked = check_upload(Upload(data, name), rules)
        except EvidenceRejected as exc:
            await self.send_text(chat.id, _(NOT_ATTACHED, reason=error_text(_, exc)))
            return
        sha256 = await anyio.to_thread.run_sync(self._services.evidence.put, checked.data)
        await self._converse(chat.id, user.id, EVIDENCE_INTENT, buyer, from_channel=True,
                             attachments=[{"sha256": sha256, "name": checked.display_name}],
                             language_hint=user.language_code)

    @staticmethod
    async def _download(item: Any, name: str, limit: int) -> bytes:
        """The file's bytes; EvidenceRejected as soon as it shows to be over `limit`: by the size in the update, in
        getFile's answer, or while downloading. Telegram may tell no size at all, so the download itself stops
        at the limit instead of reading the whole file first."""
        if item.file_size and item.file_size > limit:
            raise _too_large(name, limit)
        file = await item.get_file()
        if file.file_size and file.file_size > limit:
            raise _too_large(name, limit)
        data = bytearray()
        async with httpx.AsyncClient(timeout=DOWNLOAD_TIMEOUT) as client, \
                client.stream("GET", file.file_path) as response:
            response.raise_for_status()
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > limit:
                    raise _too_large(name, limit)
        return bytes(data)

    async def _on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        _ = await self._language(update.effective_user)
        await self.send_text(update.effective_chat.id, _(EDITED))

    async def _on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        _ = await self._language(update.effective_user)
        await self.send_text(update.effective_chat.id, _(UNSUPPORTED))

    async def _on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # A group's conversation is nobody's: the user's Telegram language, not a private chat's.
        user = update.effective_user
        await self.send_text(update.effective_chat.id, translator(user.language_code if user else None)(ONLY_PRIVATE))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = getattr(update, "update_id", None)
        log.error("telegram update %s failed", update_id, exc_info=context.error)
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is not None and chat.type == "private":
            with contextlib.suppress(Exception):
                user = update.effective_user if isinstance(update, Update) else None
                _ = await self._language(user) if user is not None else translator(None)
                await self.send_text(chat.id, _(APOLOGY))


router = APIRouter()


@router.post(WEBHOOK_PATH)
async def telegram_webhook(request: Request) -> JSONResponse:
    gateway = getattr(request.app.state, "gateway", None)
    channel: TelegramChannel | None = gateway.telegram if gateway is not None else None
    if channel is None or not channel.webhook_mode:
        return JSONResponse({"error": "Telegram webhook mode is not enabled."}, status_code=404)
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), channel.webhook_secret.encode()):
        log.warning("telegram webhook call with a wrong or missing secret token refused")
        return JSONResponse({"error": "forbidden"}, status_code=403)
    try:
        data = await request.json()
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise ValueError("not an update")
    except ValueError:
        return JSONResponse({"error": "Send a Telegram Update object as JSON."}, status_code=400)
    if not channel.running:
        # Telegram retries later; nothing is lost.
        return JSONResponse({"error": "starting"}, status_code=503)
    try:
        await channel.feed_webhook(data)
    except Exception:  # an update the library cannot read: acknowledged, so Telegram does not resend it forever
        log.warning("telegram update %s could not be read; skipped", data.get("update_id"), exc_info=True)
    return JSONResponse({"ok": True})
