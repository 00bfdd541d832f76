"""Changes to Rasa 3.6 internals: three speed-ups, each found with a profiler (docs/adr/0006-performance.md), and
one safety fix (a failed conversation read fails the turn instead of running it on a blank conversation,
docs/adr/0008-failures-and-safe-defaults.md).

They replace private methods, so they are fenced: `install` applies them only on the Rasa versions they were
written and tested for (otherwise it logs and leaves Rasa as it is), only when the RASA_PATCHES setting is on,
and only when the composition root calls it (bot.composition.prepare_rasa_process, from the gateway's input
channel, which Rasa builds at start-up). Nothing changes at import time; `uninstall` puts Rasa's originals back.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List, Tuple

log = logging.getLogger(__name__)

# The Rasa releases these patches were written against (the private names they replace exist there).
WRITTEN_FOR = ("3.6.",)

# (owner, attribute) -> the original, as found in the owner's __dict__ (so staticmethods come back as such).
_originals: Dict[Tuple[type, str], Any] = {}

ACTION_DOCS = ". Failed to validate Action server response from API, make sure your response from the Action " \
              "endpoint is valid. For more information about the format visit https://rasa.com/docs/rasa/custom-actions"


def install(enabled: bool = True) -> List[str]:
    """Applies the patches (once); returns the names of those in place. Skipped, with one log line, when
    switched off or on a Rasa version they were not written for."""
    import rasa

    if not enabled:
        log.info("Rasa patches are off (RASA_PATCHES=0): Rasa runs as released, slower, and a failed "
                 "conversation read runs the turn on a blank conversation")
        return []
    if not rasa.__version__.startswith(WRITTEN_FOR):
        log.warning("Rasa %s is not a version the patches in %s were written for (%s); Rasa runs unpatched",
                    rasa.__version__, __name__, ", ".join(v + "x" for v in WRITTEN_FOR))
        return []
    for patch in PATCHES:
        patch()
    return installed()


def installed() -> List[str]:
    return sorted({name for (_owner, name) in _originals})


def uninstall() -> None:
    """Puts Rasa's originals back (tests; a process that wants Rasa as released)."""
    for (owner, name), original in _originals.items():
        setattr(owner, name, original)
    _originals.clear()


def _replace(owner: type, name: str, replacement: Any) -> bool:
    """Sets owner.name, keeping the original for uninstall; False if it was already replaced."""
    if (owner, name) in _originals:
        return False
    _originals[(owner, name)] = owner.__dict__[name]
    setattr(owner, name, replacement)
    return True


def _cache_action_response_validator() -> None:
    """Rasa validates every action server response with `jsonschema.validate`, which first re-checks the
    (constant) schema against the metaschema, then tries each event against every event type's schema (a
    `oneOf` of about twenty): together over a fifth of Rasa's CPU under load (py-spy). Here the schema is
    checked once, and each event is checked against its own type's schema only (the types are told apart by
    a constant `event` name, so "exactly one of" holds when that one matches). Anything that does not pass
    goes through the whole schema, so verdicts and error messages are Rasa's."""
    from jsonschema import validators
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import RemoteAction

    if (RemoteAction, "_validate_action_result") in _originals:
        return
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    full = cls(schema)
    per_event, envelope = _per_event_validators(cls, schema)

    def _validate_action_result(self, result: Dict[str, Any]) -> bool:
        if per_event is not None and envelope.is_valid(result):
            events = result.get("events") if isinstance(result, dict) else None
            if events is None or all(isinstance(e, dict) and e.get("event") in per_event
                                     and per_event[e["event"]].is_valid(e) for e in events):
                return True
        error = best_match(full.iter_errors(result))
        if error is not None:
            error.message += ACTION_DOCS
            raise error
        return True

    _validate_action_result.whole_schema = full  # type: ignore[attr-defined]  # for tests
    _replace(RemoteAction, "_validate_action_result", _validate_action_result)


def _per_event_validators(cls, schema: Dict[str, Any]):
    """({event name: validator of one such event}, validator of the response without its events' details);
    (None, None) if the schema is not shaped as expected (then everything goes through the whole schema)."""
    import copy

    try:
        items = schema["properties"]["events"]["items"]
        names = [alternative["properties"]["event"]["const"] for alternative in items["oneOf"]]
    except (KeyError, TypeError):
        return None, None
    if len(set(names)) != len(names):
        return None, None
    base = {key: value for key, value in items.items() if key != "oneOf"}
    per_event = {name: cls({"allOf": [base, alternative]})
                 for name, alternative in zip(names, items["oneOf"], strict=True)}
    outline = copy.deepcopy(schema)
    outline["properties"]["events"]["items"] = {"type": "object"}
    return per_event, cls(outline)


def _cache_event_types() -> None:
    """Every event read back from the conversation store is resolved by walking all subclasses of Event
    (`Event.resolve_by_type`): about a tenth of Rasa's CPU under load. Known names are looked up in a table
    instead; an unknown name still takes Rasa's own path (and its error)."""
    from rasa.shared.core.events import Event

    if (Event, "resolve_by_type") in _originals:
        return
    uncached = Event.resolve_by_type
    known: Dict[str, Any] = {}

    def resolve_by_type(type_name, default=None):
        cls = known.get(type_name)
        if cls is None:
            cls = uncached(type_name, default)
            if cls is not None and cls is not default:
                known[type_name] = cls
        return cls

    _replace(Event, "resolve_by_type", staticmethod(resolve_by_type))


class _KeptSession:
    """`async with` over a shared aiohttp session that does not close it at the end of the block."""

    def __init__(self, session) -> None:
        self._session = session

    async def __aenter__(self):
        return self._session

    async def __aexit__(self, *_exc) -> bool:
        return False


def _json_body(value: Any) -> str:
    import ujson

    # Slashes as they are ("/affirm"), as the json module writes them; non-ASCII escaped, as it does too.
    return ujson.dumps(value, escape_forward_slashes=False)


def _keep_action_server_connections() -> None:
    """Rasa opens a new aiohttp session, so a new TCP connection, for every call to the action server (several
    per buyer message): about 6% of Rasa's CPU. One session per endpoint and event loop keeps connections
    alive. Idle connections are dropped after 2 s, before the action server's (Sanic's) 5 s keep-alive ends,
    so a request never goes out on a connection the server is closing. Request bodies (the whole conversation,
    every call) are written with ujson, which Sanic already brings: the standard json module's encoder was 5%
    of Rasa's CPU under load (py-spy); the action server reads the same JSON."""
    import asyncio

    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    if (EndpointConfig, "session") in _originals:
        return

    def session(self):
        loop = asyncio.get_running_loop()
        kept = getattr(self, "_kept_session", None)
        if kept is None or kept.closed or kept._loop is not loop:
            auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) \
                if self.basic_auth else None
            kept = aiohttp.ClientSession(
                headers=self.headers, auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=2, limit=100), json_serialize=_json_body)
            self._kept_session = kept
        return _KeptSession(kept)

    _replace(EndpointConfig, "session", session)


def _refuse_silent_fallback() -> None:
    """Rasa wraps every tracker store in FailSafeTrackerStore, which answers a failed read with *no*
    conversation: the turn then runs on a blank tracker (a buyer at the final yes of a form hears "no question
    waiting") and what it adds is never stored (`make faults`, database refusing connections). A store that
    says `fails_loudly` (bot.rasa.tracker_store.CachedSQLTrackerStore) is used as it is: a failed read fails the
    turn, and the gateway tells the buyer to try again."""
    from rasa.core.agent import Agent

    if (Agent, "_create_tracker_store") in _originals:
        return
    wrapped = Agent._create_tracker_store

    def create_tracker_store(store: Any, domain: Any) -> Any:
        if getattr(store, "fails_loudly", False):
            store.domain = domain
            return store
        return wrapped(store, domain)

    _replace(Agent, "_create_tracker_store", staticmethod(create_tracker_store))


def _run_graphs_in_order() -> None:
    """Rasa runs its model graph (a message's parse, each prediction) through dask's scheduler: for about ten
    nodes per run it rebuilds the minimal schema (a recursive walk without memo), builds a dask graph and lets
    dask order it, about a tenth of Rasa's CPU under load (py-spy). Here the order of each set of targets is
    worked out once and the nodes are called in it, each with its parents' outputs, as dask calls them (a need
    that names no node nor input reaches the node as the plain name, as in dask). Same nodes, same outputs
    (tests/unit/test_rasa_graph_runner.py compares them with dask's on our model)."""
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    if (DaskGraphRunner, "run") in _originals:
        return

    def run(self, inputs=None, targets=None):
        run_targets = list(targets if targets else self._graph_schema.target_names)
        orders = self.__dict__.setdefault("_orders_by_targets", {})
        order = orders.get(tuple(run_targets))
        if order is None:
            order = orders[tuple(run_targets)] = _execution_order(self._graph_schema, run_targets)
        values: Dict[str, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and name in self._graph_schema.nodes:
                raise GraphRunError(f"Input value '{value}' clashes with a node name. Make sure that none of the "
                                    f"input names passed to the `run` method are the same as node names in the "
                                    f"graph schema.")
            values[name] = (name, value)
        try:
            for name, needs in order:
                values[name] = self._instantiated_nodes[name](*(values.get(need, need) for need in needs))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        return dict(values.get(name, name) for name in run_targets)  # as dict(dask.get(...)) is

    _replace(DaskGraphRunner, "run", run)


def _execution_order(schema: Any, targets: List[str]) -> List[Tuple[str, List[str]]]:
    """The nodes the targets depend on (themselves included), each after the nodes it needs, with its needs."""
    order: List[Tuple[str, List[str]]] = []
    done: set = set()

    def visit(name: str) -> None:
        if name in done or name not in schema.nodes:
            return
        done.add(name)
        needs = list(schema.nodes[name].needs.values())
        for need in needs:
            visit(need)
        order.append((name, needs))

    for target in targets:
        visit(target)
    return order


PATCHES: List[Callable[[], None]] = [_cache_action_response_validator, _cache_event_types,
                                     _keep_action_server_connections, _refuse_silent_fallback,
                                     _run_graphs_in_order]

