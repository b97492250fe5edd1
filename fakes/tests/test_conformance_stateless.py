"""Profile ``conformance``'s 2026-07-28 fixtures, on the wire: input-required tools ask until
the retry answers, their requestState is signed, and the diagnostic tools do what the
conformance suite's server-stateless scenario expects of them."""

CAPS = {"sampling": {}, "elicitation": {}, "roots": {}}


def call(client, name, caps=CAPS, **params):
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": caps}
    return client.call("tools/call", {"name": name, "arguments": {}, "_meta": meta, **params})


def accept(**content):
    return {"action": "accept", "content": content}


def test_an_input_required_tool_asks_until_the_retry_answers(raw):
    client = raw("--profile", "conformance")
    first = call(client, "test_input_required_result_elicitation")["result"]
    assert first["resultType"] == "input_required"
    assert first["inputRequests"]["user_name"]["method"] == "elicitation/create"
    again = call(client, "test_input_required_result_elicitation", inputResponses={"wrong": accept(x=1)})["result"]
    assert again["resultType"] == "input_required" and list(again["inputRequests"]) == ["user_name"]
    done = call(client, "test_input_required_result_elicitation",
                inputResponses={"user_name": accept(name="Alice"), "extra": accept()})["result"]
    assert done["content"][0]["text"] == "Hello, Alice!"


def test_request_state_round_trips_and_a_tampered_one_is_refused(raw):
    client = raw("--profile", "conformance")
    first = call(client, "test_input_required_result_request_state")["result"]
    answers = {"confirm": accept(ok=True)}
    ok = call(client, "test_input_required_result_request_state", inputResponses=answers,
              requestState=first["requestState"])["result"]
    assert "state-ok" in ok["content"][0]["text"]
    bad = call(client, "test_input_required_result_request_state", inputResponses=answers,
               requestState=first["requestState"][:-1] + ("0" if first["requestState"][-1] != "0" else "1"))
    assert bad["error"]["code"] == -32602


def test_multi_round_asks_a_second_question_with_a_new_state(raw):
    client = raw("--profile", "conformance")
    r1 = call(client, "test_input_required_result_multi_round")["result"]
    r2 = call(client, "test_input_required_result_multi_round", inputResponses={"step1": accept(name="A")},
              requestState=r1["requestState"])["result"]
    assert list(r2["inputRequests"]) == ["step2"] and r2["requestState"] != r1["requestState"]
    r3 = call(client, "test_input_required_result_multi_round", inputResponses={"step2": accept(color="blue")},
              requestState=r2["requestState"])["result"]
    assert r3["content"][0]["text"] == "favorite color: blue"


def test_only_declared_capabilities_are_asked_for(raw):
    client = raw("--profile", "conformance")
    r = call(client, "test_input_required_result_capabilities", caps={"sampling": {}})["result"]
    assert [req["method"] for req in r["inputRequests"].values()] == ["sampling/createMessage"]


def test_an_undeclared_capability_is_minus_32021_naming_it(raw):
    client = raw("--profile", "conformance")
    r = call(client, "test_missing_capability", caps={})
    assert r["error"]["code"] == -32021 and r["error"]["data"]["requiredCapabilities"] == {"sampling": {}}


def test_a_prompt_can_ask_before_it_renders(raw):
    client = raw("--profile", "conformance")
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": CAPS}
    first = client.call("prompts/get", {"name": "test_input_required_result_prompt", "_meta": meta})["result"]
    assert list(first["inputRequests"]) == ["user_context"]
    done = client.call("prompts/get", {"name": "test_input_required_result_prompt", "_meta": meta,
                                       "inputResponses": {"user_context": accept(context="tests")}})["result"]
    assert done["messages"][0]["content"]["text"] == "Answer within this context: tests"
