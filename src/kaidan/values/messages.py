"""One bilingual message mechanism for every refusal and problem Kaidan reports: gettext messages.

A :class:`Message` is an English gettext msgid (marked with :func:`gettext_noop` so `makemessages` finds it)
and its named parameters. It is rendered when shown: in the active language on a web page, in Japanese
and English together (``ja / en``) on the command line, in an error report and in logs. The Japanese text
lives in the translation catalogue beside every other string of the interface, so a message is written
once, in one place, and reads alike wherever it appears.

This module is the ground floor (`kaidan.values` imports neither Django nor the rest of Kaidan): the
value parsers raise :class:`ValueProblem` with a Message. The translation function is installed by the
web layer at start-up (`kaidan.core.apps`); until then messages render as their English msgids.

Parameters may themselves be Messages (rendered in the same language), and a parameter named in the
msgid as ``%(value)s`` is a user's value: it is shown as given, never translated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Translator = Callable[[str, str | None], str]
"""(msgid, language or None for the active one) → translated text."""


def gettext_noop(message: str) -> str:
    """Mark a msgid for the catalogue without translating it (the name `makemessages` looks for)."""
    return message


def _untranslated(msgid: str, language: str | None) -> str:
    return msgid


_translator: Translator = _untranslated


def install_translator(translator: Translator) -> None:
    """Set how msgids are translated (the web layer installs Django's gettext)."""
    global _translator
    _translator = translator


class Message:
    """A gettext msgid with its parameters, translated when it is shown."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, /, **params: Any) -> None:
        self.msgid = msgid
        self.params: Mapping[str, Any] = params

    def render(self, language: str | None = None) -> str:
        """The message in `language` ("ja", "en"), or in the active language when None."""
        text = _translator(self.msgid, language)
        if not self.params:
            return text
        values = {k: v.render(language) if hasattr(v, "render") else v for k, v in self.params.items()}
        return text % values

    @property
    def ja(self) -> str:
        return self.render("ja")

    @property
    def en(self) -> str:
        return self.render("en")

    def bilingual(self) -> str:
        """Japanese and English together ("日本語 / English"), once when both read the same."""
        ja, en = self.ja, self.en
        return ja if ja == en else f"{ja} / {en}"

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, **{dict(self.params)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and (self.msgid, dict(self.params)) == (
            other.msgid,
            dict(other.params),
        )

    def __hash__(self) -> int:
        return hash((self.msgid, tuple(sorted((k, repr(v)) for k, v in self.params.items()))))


class MessageList:
    """Items joined by the language's list separator ("、" in Japanese, ", " in English)."""

    __slots__ = ("items", "separator")

    def __init__(self, items: Sequence[Message | str], separator: Message | str | None = None) -> None:
        self.items = items
        self.separator = separator
        """None: the language's list separator; "" joins the items as one sentence."""

    def render(self, language: str | None = None) -> str:
        separator = Message(gettext_noop(", ")) if self.separator is None else self.separator
        return text(separator, language).join(text(item, language) for item in self.items)

    def __str__(self) -> str:
        return self.render()


def text(message: Message | str, language: str | None = None) -> str:
    """A Message rendered, or a plain string (a user's own text, a file name) as it is."""
    return message.render(language) if isinstance(message, Message) else message


class ValueProblem(ValueError):
    """A value does not fit: raised by the value parsers, with the reason as a Message.

    `str()` gives the reason in Japanese and English, as every error text a user or a log may read.
    """

    def __init__(self, message: Message) -> None:
        self.message = message
        super().__init__(message.msgid)

    def __str__(self) -> str:
        return self.message.bilingual()


def reason_of(exc: BaseException) -> Message:
    """The reason an exception carries as a Message; a foreign exception's text as a generic reason."""
    message = getattr(exc, "message", None)
    if isinstance(message, Message):
        return message
    return Message(gettext_noop("the value does not fit (%(detail)s)"), detail=str(exc))
