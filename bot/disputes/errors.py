"""Domain errors. Each carries a code (stable, for channels and APIs) and a message a buyer can read.

The message is English; `template` (English with `{name}` placeholders) and `params` let a channel show it in the
buyer's language (`_(exc.template, **exc.params)`), since the domain knows no languages and imports no catalogue.
"""
from __future__ import annotations

from typing import Any, Dict


def N_(message: str) -> str:
    """Marks a text for the message catalogue (`make translations` extracts N_ calls); it is translated where it
    is shown. Local, because the domain must not import bot.i18n."""
    return message


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, template: str, **params: Any) -> None:
        # Without params the template is the message as it is (it may hold braces, e.g. a database's words).
        message = template.format(**params) if params else template
        super().__init__(message)
        self.message = message
        self.template = template
        self.params: Dict[str, Any] = params


class InvalidInput(DomainError):
    """Something a person typed or sent that cannot be used as it is."""

    code = "invalid_input"


class NotFound(DomainError):
    """Unknown, or belongs to someone else: the two are deliberately indistinguishable."""

    code = "not_found"


class OrderNotFound(NotFound):
    code = "order_not_found"

    def __init__(self, order_number: str) -> None:
        super().__init__(N_("I can't find order {order_number} among your orders."), order_number=order_number)


class DisputeNotFound(NotFound):
    code = "dispute_not_found"

    def __init__(self, number: str) -> None:
        super().__init__(N_("I can't find dispute {number} among your disputes."), number=number)


class BuyerNotFound(NotFound):
    code = "buyer_not_found"

    def __init__(self, buyer_id: str) -> None:
        super().__init__(N_("There is no buyer {buyer_id!r}. See `python -m bot buyers`."), buyer_id=buyer_id)


class RuleViolation(DomainError):
    """A marketplace rule forbids the action."""

    code = "rule_violation"


class ProtectionTooShort(RuleViolation):
    code = "protection_too_short"


class ProtectionNotStarted(RuleViolation):
    code = "protection_not_started"


class DisputeAlreadyExists(RuleViolation):
    code = "dispute_already_exists"


class DisputeClosed(RuleViolation):
    code = "dispute_closed"


class NotAllowed(DomainError):
    """The actor's role does not allow the action (for agents and sellers)."""

    code = "not_allowed"


class InvalidTransition(RuleViolation):
    code = "invalid_transition"


class EvidenceRejected(DomainError):
    code = "evidence_rejected"


class ConcurrentUpdate(DomainError):
    """Someone else changed the dispute first; nothing of this attempt was saved."""

    code = "concurrent_update"

    def __init__(self) -> None:
        super().__init__(
            N_("This dispute was changed by someone else a moment ago. "
               "Nothing was saved; please look at it again and retry.")
        )


class LinkCodeInvalid(DomainError):
    code = "link_code_invalid"

    def __init__(self) -> None:
        super().__init__(N_("That link code is unknown, already used or expired. Ask for a new one."))
