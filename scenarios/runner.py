"""The scenario runner: topology + steps + expectations, run against a proxy adapter.

A scenario is a plain dict (Python module or JSON file):

    {
      "id": "breaker.opens_after_threshold",
      "behaviour": "after N failures the breaker rejects locally and heals through a probe",
      "ref": "Guide: Advanced Features > Circuit Breaker",
      "seed": 7,                     # every fake's fault RNG unless the upstream sets its own
      "requires": ["circuit_breaker"],  # capabilities beyond those the steps imply
      "topology": {
        "proxy": {"circuit_breaker_threshold": 3},          # MCPProxy keyword arguments
        "upstreams": [{"name": "math", "profile": "math",
                       "faults": ["error_rate p=1 tool=math_add id=broken"],
                       "config": {"max_connections": 1}}],  # UpstreamConfig fields
        "routes": [{"upstream_name": "math", "tool_pattern": "math_*"}],
        "jwt": {...}, "bearer": "...", "rate_limit": {...}, "tool_rate_limits": [...],
        "client_rate_limit": {...},
      },
      "steps": [{"do": "initialize"}, {"do": "call", "tool": "math_add", "args": {...},
                 "expect": {"error.code": -32603}}, ...],
    }

Steps (`do`): initialize, request, call, send, await, burst, cancel, expect_no_response,
fault_add, fault_remove, fault_reset, advance, wait_fake, expect_fake, expect_stats,
expect_health, wait_health, token, client. See docs/conformance.md for each one's keys.

Time: when any step moves the clock, the run is under freezegun (wall time frozen at
`wall_time`, default 2026-03-01T12:00:00Z) and the proxy's manual clock; `advance` moves
both, so "open for 60 s" or "the token expires in 5 minutes" take milliseconds.

Determinism: the run writes an event log (JSON lines): every step with what the proxy
answered (concurrent answers sorted by request id), and at the end what each fake
received (counted by method and name). The same scenario and seed give the same log.
"""

from __future__ import annotations

import contextlib
import copy
import json
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Set

from .adapters import Adapter, Launched, Unsupported
from .client import LineClient, NoResponse
from .matching import mismatches

DEFAULT_WALL_TIME = "2026-03-01 12:00:00"
META_AUTH = "dev.fasterapi/authorization"
STEP_TIMEOUT = 15.0
# Steps that need a capability; with "soft": True they are skipped where it is missing.
SOFT_NEEDS = {"expect_stats": "stats", "expect_health": "health", "wait_health": "health"}


class ScenarioFailed(AssertionError):
    pass


@dataclass
class Result:
    id: str
    adapter: str
    status: str                      # "pass", "fail", "unsupported"
    detail: str = ""
    events: List[Dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def log_lines(self) -> str:
        return "".join(json.dumps(e, sort_keys=True) + "\n" for e in self.events)


def needs(scenario: Mapping[str, Any]) -> Set[str]:
    """Every capability the scenario needs: its `requires` plus what its topology and steps
    imply (a clock move needs a manual clock, a stats check needs stats, ...)."""
    found = set(scenario.get("requires", ()))
    topo = scenario.get("topology", {})
    for route in topo.get("routes", []):
        if any(route.get(k) for k in ("tool_pattern", "resource_pattern", "prompt_pattern")) \
                and not topo.get("partition_routes"):
            found.add("route_patterns")
        if route.get("required_scope"):
            found.add("scopes")
        if route.get("rate_limit_override"):
            found.add("route_rate_limit")
    for up in topo.get("upstreams", []):
        if up.get("config", {}).get("name_prefix"):
            found.add("name_prefix")
    if "jwt" in topo:
        found.add("jwt")
    if "bearer" in topo:
        found.add("bearer")
    for key in ("rate_limit", "client_rate_limit"):
        if key in topo:
            found.add("rate_limit:" + topo[key].get("algorithm", "token_bucket"))
    if "client_rate_limit" in topo:
        found.add("client_rate_limit")
    for limit in topo.get("tool_rate_limits", []):
        found |= {"tool_rate_limit", "rate_limit:" + limit.get("algorithm", "token_bucket")}
    if any(up.get("transport", "stdio") == "http" for up in topo.get("upstreams", [])):
        found.add("http_upstreams")
    if topo.get("transformers"):
        found.add("transformers")
    if topo.get("proxy", {}).get("enable_caching"):
        found.add("cache")
    for step in scenario.get("steps", []):
        do = step["do"]
        if do == "advance":
            found.add("manual_clock")
        elif do == "expect_stats" and not step.get("soft"):
            found.add("stats")
        elif do in ("expect_health", "wait_health") and not step.get("soft"):
            found.add("health")
        elif do == "cancel":
            found.add("cancellation")
        elif do == "client" or (do == "burst" and step.get("clients", 1) > 1):
            found.add("multi_client")
    return found


def uses_clock(scenario: Mapping[str, Any]) -> bool:
    return any(s["do"] == "advance" for s in scenario.get("steps", []))


def _sorted_key(rid: Any) -> Any:
    return (isinstance(rid, str), rid)


class _Run:
    def __init__(self, scenario: Mapping[str, Any], adapter: Adapter, workdir: Path) -> None:
        self.scenario = scenario
        self.adapter = adapter
        self.workdir = workdir
        self.events: List[Dict[str, Any]] = []
        self.fakes: Dict[str, Any] = {}
        self.factory = None
        self.launched: Optional[Launched] = None
        self.clients: Dict[str, LineClient] = {}
        self.refs: Dict[str, Any] = {}
        self.tokens: Dict[str, str] = {}
        self.frozen = None
        self._freezer = None

    # -- set-up ----------------------------------------------------------------------
    def setup(self) -> None:
        from mcp_fakes.launcher import FakeFactory

        topo = copy.deepcopy(self.scenario["topology"])
        topo["manual_clock"] = uses_clock(self.scenario)
        if topo["manual_clock"]:
            from freezegun import freeze_time

            self._freezer = freeze_time(self.scenario.get("wall_time", DEFAULT_WALL_TIME), tick=False,
                                        ignore=["scenarios.client", "mcp_fakes", "subprocess"])
            self.frozen = self._freezer.start()
        self.factory = FakeFactory(self.workdir)
        seed = self.scenario.get("seed", 0)
        for up in topo["upstreams"]:
            self.fakes[up["name"]] = self.factory(up.get("profile", "echo"), faults=up.get("faults", ()),
                                                  seed=up.get("seed", seed), page_size=up.get("page_size"),
                                                  extra_args=tuple(up.get("extra_args", ())),
                                                  transport=up.get("transport", "stdio"))
        self.launched = self.adapter.launch(topo, self.fakes, self.workdir)
        self.clients["main"] = self.launched.connect()
        self.log("setup", adapter=self.adapter.name, seed=seed,
                 upstreams=[u["name"] for u in topo["upstreams"]])

    def teardown(self) -> None:
        if self._freezer is not None:
            self._freezer.stop()
            self._freezer = None
        with contextlib.suppress(Exception):
            if self.launched is not None:
                self.launched.stop()
        if self.factory is not None:
            self.factory.close()

    # -- helpers -----------------------------------------------------------------------
    def log(self, _event: str, **fields: Any) -> None:
        self.events.append(dict(fields, event=_event, n=len(self.events)))

    def client(self, step: Mapping[str, Any]) -> LineClient:
        return self.clients[step.get("client", "main")]

    def params_with_token(self, step: Mapping[str, Any], params: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
        params = copy.deepcopy(params)
        if "token" in step:
            token = self.tokens.get(step["token"], step["token"])
            params = params or {}
            params.setdefault("_meta", {})[META_AUTH] = f"Bearer {token}"
        return params

    def request_of(self, step: Mapping[str, Any]):
        if step["do"] in ("call", "burst", "send") and "tool" in step:
            params = {"name": step["tool"], "arguments": step.get("args", {})}
            return "tools/call", self.params_with_token(step, params)
        return step["method"], self.params_with_token(step, step.get("params"))

    def check(self, what: str, value: Any, expect: Optional[Mapping[str, Any]]) -> None:
        if expect:
            problems = mismatches(value, expect)
            if problems:
                raise ScenarioFailed(f"{what}: " + "; ".join(problems) + f"\n  value: {json.dumps(value)[:800]}")

    def fake(self, step: Mapping[str, Any]):
        return self.fakes[step["upstream"]]

    # -- steps -----------------------------------------------------------------------
    def step_client(self, step):
        self.clients[step["as"]] = self.launched.connect()
        self.log("client", name=step["as"])

    def step_initialize(self, step):
        c = self.client(step)
        r = c.initialize(step.get("version", "2025-11-25"), step.get("capabilities"))
        self.log("initialize", response=r)
        self.check("initialize", r, step.get("expect"))

    def step_request(self, step):
        method, params = self.request_of(step)
        if step.get("list_all"):
            return self.list_all(step, method, params)
        r = self.client(step).request(method, params, id=step.get("id"), timeout=step.get("timeout", STEP_TIMEOUT))
        self.log("request", method=method, response=r)
        if "as" in step:
            self.refs[step["as"]] = r
        self.check(f"{method} response", r, step.get("expect"))

    step_call = step_request

    def list_all(self, step, method, params):
        """A list method followed through every page (`list_all` names the result's array).
        Checked value: {"items", "names" (name or uri of each), "pages", "found" (the item
        named `find`), "error" (the first error answer, if any)}."""
        items, pages, cursor, error = [], 0, None, None
        while pages < 100:
            p = dict(params or {})
            if cursor is not None:
                p["cursor"] = cursor
            r = self.client(step).request(method, p, timeout=step.get("timeout", STEP_TIMEOUT))
            pages += 1
            if "error" in r:
                error = r["error"]
                break
            items += r["result"].get(step["list_all"], [])
            cursor = r["result"].get("nextCursor")
            if not cursor:
                break
        names = [i.get("uri", i.get("name")) for i in items]
        value = {"items": items, "names": names, "pages": pages, "error": error}
        if "find" in step:
            value["found"] = next((i for i in items if i.get("name") == step["find"]), None)
        self.log("list_all", method=method, names=sorted(map(str, names)), pages=pages, error=error)
        self.check(f"{method} (all pages)", value, step.get("expect"))

    def step_send(self, step):
        method, params = self.request_of(step)
        c = self.client(step)
        rid = c.start_request(method, params, id=step.get("id"))
        self.refs[step["as"]] = (c, rid)
        self.log("send", method=method, id=rid)

    def step_await(self, step):
        c, rid = self.refs[step["ref"]]
        r = c.wait_response(rid, timeout=step.get("timeout", STEP_TIMEOUT))
        self.log("await", ref=step["ref"], response=r)
        self.check(f"response to {step['ref']}", r, step.get("expect"))

    def step_burst(self, step):
        """`count` requests at once: over one client (pipelined) or over `clients` clients,
        each numbering its requests from `first_id` (the same ids on every client when
        `same_ids`), then every answer awaited. `expect_each` holds for every answer;
        `expect_outcomes` counts answers by outcome ("result", or "error:<code>")."""
        method, params = self.request_of(step)
        n_clients = step.get("clients", 1)
        pool = [self.client(step)]
        for i in range(1, n_clients):
            name = f"burst{len(self.clients)}"
            self.clients[name] = self.launched.connect()
            self.clients[name].initialize()
            pool.append(self.clients[name])
        sent = []
        for i in range(step["count"]):
            c = pool[i % n_clients]
            rid = step.get("first_id", 1000) + (i // n_clients if step.get("same_ids") else i)
            p = copy.deepcopy(params)
            if step.get("vary_arg"):
                p["arguments"][step["vary_arg"]] = i
            sent.append((pool.index(c), c, rid, c.start_request(method, p, id=rid), i))
        answers = []
        for ci, c, rid, _, i in sent:
            r = c.wait_response(rid, timeout=step.get("timeout", STEP_TIMEOUT))
            answers.append((ci, rid, i, r))
            self.check(f"burst answer {i} (client {ci}, id {rid})", r, step.get("expect_each"))
            if step.get("echo_check"):
                # the answer carries this request's own argument back: no crossed wires
                self.check(f"burst answer {i} is its own", r, {step["echo_check"]: step.get("echo_format", "{}").format(i)})
        outcomes = Counter("result" if "result" in r else f"error:{r.get('error', {}).get('code')}"
                           for _, _, _, r in answers)
        self.log("burst", method=method, count=step["count"], clients=n_clients,
                 outcomes=dict(sorted(outcomes.items())),
                 answers=[r for _, _, _, r in sorted(answers, key=lambda a: (a[0], _sorted_key(a[1])))])
        if "expect_outcomes" in step and dict(outcomes) != step["expect_outcomes"]:
            raise ScenarioFailed(f"burst outcomes: expected {step['expect_outcomes']}, got {dict(outcomes)}")

    def step_cancel(self, step):
        c, rid = self.refs[step["ref"]]
        c.notify("notifications/cancelled", {"requestId": rid, "reason": step.get("reason", "scenario")})
        self.log("cancel", ref=step["ref"], id=rid)

    def step_expect_no_response(self, step):
        """No answer for a request, checked after a barrier: a request to the same upstream
        over the same connection (its answer follows any late one on that pipe)."""
        c, rid = self.refs[step["ref"]]
        if "barrier" in step:
            b = step["barrier"]
            c.request("tools/call", {"name": b["tool"], "arguments": b.get("args", {})}, timeout=STEP_TIMEOUT)
        got = c.responses_for(rid)
        self.log("expect_no_response", ref=step["ref"], got=got)
        if got:
            raise ScenarioFailed(f"a response reached the client for {step['ref']}: {got}")

    def step_fault_add(self, step):
        fault_id = self.fake(step).control.add_fault(step["spec"])
        self.log("fault_add", upstream=step["upstream"], spec=step["spec"], id=fault_id)

    def step_fault_remove(self, step):
        self.fake(step).control.remove_fault(step["id"])
        self.log("fault_remove", upstream=step["upstream"], id=step["id"])

    def step_fault_reset(self, step):
        self.fake(step).control.reset()
        self.log("fault_reset", upstream=step["upstream"])

    def step_advance(self, step):
        ms = step["ms"]
        if self.frozen is not None:
            self.frozen.tick(ms / 1000)
        self.launched.advance_clock(ms)
        self.log("advance", ms=ms)

    def step_wait_fake(self, step):
        """Bounded wait until an upstream has received `count` matching messages (or sent,
        with direction "out")."""
        entries = self.fake(step).control.wait_for(method=step.get("method"), name=step.get("name"),
                                                   count=step.get("count", 1),
                                                   direction=step.get("direction", "in"),
                                                   timeout=step.get("timeout", 10))
        if len(entries) < step.get("count", 1):
            raise ScenarioFailed(f"{step['upstream']} received {len(entries)} of {step.get('count', 1)} "
                                 f"{step.get('method')} {step.get('name') or ''} within the bound")
        self.log("wait_fake", upstream=step["upstream"], method=step.get("method"), name=step.get("name"),
                 count=step.get("count", 1))

    def received(self, upstream: str, method: str = "tools/call", name: Optional[str] = None) -> List[Dict[str, Any]]:
        from mcp_fakes import calls

        return calls(self.fakes[upstream].record(), method=method, name=name)

    def step_expect_fake(self, step):
        """What an upstream received: `count` messages of `method` (default tools/call)
        named `name`; `expect` holds for each (e.g. that no credential reached it)."""
        got = self.received(step["upstream"], step.get("method", "tools/call"), step.get("name"))
        self.log("expect_fake", upstream=step["upstream"], method=step.get("method", "tools/call"),
                 name=step.get("name"), count=len(got))
        if "count" in step and mismatches({"count": len(got)}, {"count": step["count"]}):
            raise ScenarioFailed(f"{step['upstream']} received {len(got)} {step.get('method', 'tools/call')} "
                                 f"{step.get('name') or ''}, expected {step['count']}")
        for entry in got:
            self.check(f"message received by {step['upstream']}", entry["msg"], step.get("expect"))

    def step_notify(self, step):
        self.client(step).notify(step["method"], step.get("params"))
        self.log("notify", method=step["method"])

    def step_expect_cancel_matches(self, step):
        """The upstream's notifications/cancelled names the id under which it received the
        call `name` (the proxy translated the client's id)."""
        record = self.fakes[step["upstream"]].record()
        call_ids = [e["msg"]["id"] for e in record if e["dir"] == "in" and isinstance(e["msg"], dict)
                    and e["msg"].get("method") == "tools/call"
                    and (e["msg"].get("params") or {}).get("name") == step["name"]]
        cancelled = [(e["msg"].get("params") or {}).get("requestId") for e in record if e["dir"] == "in"
                     and isinstance(e["msg"], dict) and e["msg"].get("method") == "notifications/cancelled"]
        self.log("expect_cancel_matches", upstream=step["upstream"], matched=bool(set(map(json.dumps, call_ids))
                                                                                  & set(map(json.dumps, cancelled))))
        if not call_ids or not cancelled or cancelled[-1] not in call_ids:
            raise ScenarioFailed(f"{step['upstream']} got cancel for {cancelled}, its call ids were {call_ids}")

    def step_expect_progress(self, step):
        """The client received `count` notifications/progress for `token` (its own token),
        with increasing progress. Progress precedes the answer, so it is already here."""
        c = self.client(step)
        got = []
        while not c.notifications.empty():
            msg = c.notifications.get_nowait()
            if msg.get("method") == "notifications/progress":
                got.append(msg["params"])
        mine = [p for p in got if p.get("progressToken") == step["token"]]
        values = [p.get("progress") for p in mine]
        self.log("expect_progress", token=step["token"], progress=values)
        if len(mine) != step["count"] or values != sorted(values) or len(set(values)) != len(values):
            raise ScenarioFailed(f"progress for {step['token']!r}: {got}")

    def step_third_party_suite(self, step):
        """The @modelcontextprotocol/conformance server suite, at one spec revision, against
        the proxy's HTTP front (scenarios/third_party.py); the revision's baseline applies."""
        from .third_party import run_suite

        url = self.launched.http_url()
        ok, summary = run_suite(url, self.workdir, step["revision"])
        self.log("third_party_suite", upstream_transport=step.get("upstream_transport"),
                 revision=step["revision"], ok=ok, summary=summary)
        if not ok:
            raise ScenarioFailed(f"the third-party suite failed at {step['revision']}:\n{summary}")

    def step_inspector_cli(self, step):
        """The MCP Inspector's CLI (scenarios/inspector_cli.py) against the proxy's HTTP front:
        tools/list must show `expect_tools`; then tools/call of `call` with `arguments` must
        answer with the text `expect_text`."""
        from .inspector_cli import InspectorFailed, run_inspector

        url = self.launched.http_url()
        try:
            listed = run_inspector(url, ["--method", "tools/list"], self.workdir)
            names = sorted(t.get("name") for t in listed.get("tools", []))
            args = [f"{k}={v}" for k, v in step.get("arguments", {}).items()]
            called = run_inspector(url, ["--method", "tools/call", "--tool-name", step["call"],
                                         *(["--tool-arg", *args] if args else [])], self.workdir)
        except InspectorFailed as failure:
            raise ScenarioFailed(str(failure)) from None
        texts = [c.get("text") for c in called.get("content", []) if c.get("type") == "text"]
        self.log("inspector_cli", tools=names, call=step["call"], texts=texts)
        missing = sorted(set(step["expect_tools"]) - set(names))
        if missing:
            raise ScenarioFailed(f"the Inspector's tools/list lacks {missing}: {names}")
        if texts != [step["expect_text"]] or called.get("isError"):
            raise ScenarioFailed(f"the Inspector's tools/call answered {called}")

    def step_list_changed(self, step):
        """The upstream announces a changed list (its control channel)."""
        self.fake(step).control.list_changed(step.get("kind", "tools"))
        self.log("list_changed", upstream=step["upstream"], kind=step.get("kind", "tools"))

    def step_wait_notification(self, step):
        """Bounded wait for a notification `method` on the client; `expect` holds for it."""
        c = self.client(step)
        deadline = time.monotonic() + step.get("timeout", 10)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ScenarioFailed(f"no {step['method']} within {step.get('timeout', 10)} s")
            try:
                msg = c.notifications.get(timeout=left)
            except Exception:
                continue
            if msg.get("method") == step["method"]:
                break
        self.log("wait_notification", method=step["method"])
        self.check(step["method"], msg, step.get("expect"))

    def step_expect_fake_no_text(self, step):
        """A secret (a minted token by name, or `text`) appears nowhere in what the upstream
        received or sent."""
        secret = self.tokens.get(step.get("token"), step.get("text"))
        raw = Path(self.fakes[step["upstream"]].record_path).read_text()
        self.log("expect_fake_no_text", upstream=step["upstream"], found=secret in raw)
        if secret in raw:
            raise ScenarioFailed(f"{step['upstream']} saw the secret {step.get('token', '')!r}")

    def step_unique_upstream_ids(self, step):
        """The upstream never saw a request id reused while an earlier request with that id
        was still in flight (its record, in arrival order)."""
        in_flight, clashes = set(), []
        for e in self.fakes[step["upstream"]].record():
            msg = e["msg"]
            if not isinstance(msg, dict) or "id" not in msg:
                continue
            key = json.dumps(msg["id"])
            if e["dir"] == "in" and "method" in msg:
                if key in in_flight:
                    clashes.append(msg["id"])
                in_flight.add(key)
            elif e["dir"] == "out" and "method" not in msg:
                in_flight.discard(key)
        self.log("unique_upstream_ids", upstream=step["upstream"], clashes=len(clashes))
        if clashes:
            raise ScenarioFailed(f"{step['upstream']} saw ids reused while in flight: {clashes[:10]}")

    def step_expect_stats(self, step):
        stats = self.launched.stats()
        self.log("expect_stats", checked={k: _json_safe(_path(stats, k)) for k in step["expect"]})
        self.check("stats", stats, step["expect"])

    def step_expect_health(self, step):
        health = self.launched.health()
        self.log("expect_health", health=health)
        self.check("health", health, step["expect"])

    def step_wait_health(self, step):
        deadline = time.monotonic() + step.get("timeout", 10)
        while True:
            health = self.launched.health()
            if health.get(step["upstream"]) == step["equals"]:
                break
            if time.monotonic() > deadline:
                raise ScenarioFailed(f"health of {step['upstream']} never became {step['equals']}: {health}")
            time.sleep(0.005)  # health has no event to wait on from outside the core
        self.log("wait_health", upstream=step["upstream"], equals=step["equals"])

    def step_token(self, step):
        """Mint a JWT with the topology's secret (or `secret`), times relative to now
        (frozen when the clock is driven): `exp_in`/`nbf_in`/`iat_in` seconds."""
        import jwt as pyjwt

        now = int(time.time())
        claims = dict(step.get("claims", {}))
        for key in ("exp", "nbf", "iat"):
            if f"{key}_in" in step:
                claims[key] = now + step[f"{key}_in"]
        jwt_conf = self.scenario["topology"].get("jwt", {})
        secret = step.get("secret", jwt_conf.get("secret"))
        self.tokens[step["as"]] = pyjwt.encode(claims, secret, algorithm=step.get("algorithm", "HS256"))
        self.log("token", name=step["as"], claims=sorted(claims))

    # -- the run ------------------------------------------------------------------------
    def run(self) -> None:
        for i, step in enumerate(self.scenario["steps"]):
            if step.get("soft") and step["do"] in SOFT_NEEDS and \
                    self.adapter.missing({SOFT_NEEDS[step["do"]]}):
                # A side check this proxy cannot be asked about: skipped, not a failure.
                self.log("skipped", step=i, do=step["do"])
                continue
            handler = getattr(self, "step_" + step["do"], None)
            if handler is None:
                raise ValueError(f"step {i}: unknown step {step['do']!r}")
            try:
                handler(step)
            except NoResponse as exc:
                raise ScenarioFailed(f"step {i} ({step['do']}): {exc}") from None
            except ScenarioFailed as exc:
                raise ScenarioFailed(f"step {i} ({step['do']}): {exc}") from None
        for name in sorted(self.fakes):
            record = self.fakes[name].record()
            got = Counter(f"{e['msg'].get('method')} {(e['msg'].get('params') or {}).get('name', '')}".strip()
                          for e in record if e["dir"] == "in" and isinstance(e["msg"], dict)
                          and "id" in e["msg"] and "method" in e["msg"])
            self.log("fake_received", upstream=name, requests=dict(sorted(got.items())))


def _path(value, path):
    from .matching import get_path
    return get_path(value, path)


def _json_safe(value):
    try:
        json.dumps(value)
        return value
    except TypeError:
        return repr(value)


def run_scenario(scenario: Mapping[str, Any], adapter: Adapter, workdir: Path,
                 log_path: Optional[Path] = None) -> Result:
    """Run one scenario against one adapter. Never raises for the proxy's behaviour: the
    result says pass, fail (with why) or unsupported (with the missing capabilities)."""
    sid = scenario.get("id", "scenario")
    started = time.monotonic()
    missing = adapter.missing(needs(scenario))
    if missing:
        return Result(sid, adapter.name, "unsupported", "needs " + ", ".join(missing))
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    run = _Run(scenario, adapter, workdir)
    status, detail = "pass", ""
    try:
        run.setup()
        run.run()
    except Unsupported as exc:
        status, detail = "unsupported", f"adapter: {exc}"
    except ScenarioFailed as exc:
        status, detail = "fail", str(exc)
    except Exception as exc:  # the proxy refused the configuration, a fake died, ...
        status, detail = "fail", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}"
    finally:
        run.teardown()
    result = Result(sid, adapter.name, status, detail, run.events, time.monotonic() - started)
    if log_path is not None:
        Path(log_path).write_text(result.log_lines())
    return result
