"""Who is talking: channel identities, one-time link codes, help-desk agents. Secrets are stored only as hashes."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import List, Optional

from .clock import Clock
from .errors import N_, BuyerNotFound, InvalidInput, LinkCodeInvalid
from .model import Agent, AgentRole, Buyer
from .policy import Rules
from .ports import UnitOfWorkFactory

# Unambiguous characters only: codes get read off screens and typed on phones.
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 8


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class AccountService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, rules: Rules) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._rules = rules

    def issue_link_code(self, buyer_id: str) -> str:
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
        with self._uow() as uow:
            if uow.buyers.get(buyer_id) is None:
                raise BuyerNotFound(buyer_id)
            uow.link_codes.add(secret_hash(code), buyer_id,
                               self._clock.now() + timedelta(minutes=self._rules.link_code_minutes))
            uow.commit()
        return code

    def redeem_link_code(self, code: object, channel: str, external_id: str) -> str:
        """Links a channel user to the code's buyer and returns the buyer id. A code works once."""
        if not isinstance(code, str) or not 0 < len(code.strip()) <= 32:
            raise LinkCodeInvalid()
        now = self._clock.now()
        with self._uow() as uow:
            buyer_id = uow.link_codes.take(secret_hash(code.strip().upper()), now)
            if buyer_id is None:
                raise LinkCodeInvalid()
            uow.identities.link(channel, external_id, buyer_id, now)
            uow.commit()
        return buyer_id

    def buyer(self, buyer_id: str) -> Optional[Buyer]:
        with self._uow.reading() as uow:
            return uow.buyers.get(buyer_id)

    def list_buyers(self) -> List[Buyer]:
        with self._uow.reading() as uow:
            return uow.buyers.list()

    def buyer_for_channel_user(self, channel: str, external_id: str) -> Optional[str]:
        with self._uow.reading() as uow:
            return uow.identities.buyer_for(channel, external_id)

    def create_agent(self, name: str, role: object) -> tuple[Agent, str]:
        """Returns the agent and its token; the token is shown once and only its hash is kept."""
        if not isinstance(name, str) or not 0 < len(name.strip()) <= 80:
            raise InvalidInput(N_("An agent's name is 1 to 80 characters."))
        try:
            agent_role = AgentRole(role)
        except ValueError:
            raise InvalidInput(N_("The role is one of: agent, dispute_team, admin.")) from None
        token = secrets.token_urlsafe(32)
        with self._uow() as uow:
            agent = uow.agents.add(name.strip(), agent_role, secret_hash(token))
            uow.commit()
        return agent, token

    def agent_for_token(self, token: object) -> Optional[Agent]:
        if not isinstance(token, str) or not 0 < len(token) <= 200:
            return None
        with self._uow.reading() as uow:
            return uow.agents.by_token_hash(secret_hash(token))
