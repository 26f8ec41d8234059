"""requestPermission asks once per origin: later calls wait for the same answer."""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any

from anki.collection import Collection

from ankiconnect_ws.actions.context import Environment, PromptAnswer, RequestInfo
from ankiconnect_ws.actions.questions import OpenQuestions
from ankiconnect_ws.config import Config
from ankiconnect_ws.protocol import Dispatcher



async def _settle() -> None:
    """Let every ready task run until it waits (a few loop turns, no clock involved)."""
    for _ in range(10):
        await asyncio.sleep(0)


def test_one_open_question_per_key_shared_by_everyone_who_asks() -> None:
    async def scenario() -> None:
        questions = OpenQuestions()
        asked: list[str] = []
        answers = {"a": asyncio.Event(), "b": asyncio.Event()}

        def question(key: str, answer: bool) -> Any:
            async def ask() -> bool:
                asked.append(key)
                await answers[key].wait()
                return answer
            return ask

        waiting_a = [asyncio.create_task(questions.ask("a", question("a", True))) for _ in range(30)]
        waiting_b = asyncio.create_task(questions.ask("b", question("b", False)))
        await _settle()
        assert asked == ["a", "b"]
        assert [(q["origin"], q["waiting"]) for q in questions.snapshot()] == [("a", 30), ("b", 1)]
        waiting_a[0].cancel()  # one asker gives up: the others still get the answer
        answers["a"].set()
        assert await asyncio.gather(*waiting_a[1:]) == [True] * 29
        assert [q["origin"] for q in questions.snapshot()] == ["b"]
        answers["b"].set()
        assert await waiting_b is False
        # once answered, the next call asks again
        assert await questions.ask("a", question("a", True)) is True
        assert asked == ["a", "b", "a"] and questions.snapshot() == []

    asyncio.run(scenario())


def test_concurrent_request_permission_from_one_origin_opens_one_prompt(collection: Collection) -> None:
    config = Config(permissionPromptTimeout=5)
    prompts: list[concurrent.futures.Future[bool]] = []

    def prompt(origin: str) -> PromptAnswer:
        # Stands in for ui.PermissionPrompts.ask, which needs Anki's window; the e2e test
        # tests/e2e/test_http_api.py counts the real prompt windows.
        assert origin == "https://page.example"
        answer: concurrent.futures.Future[bool] = concurrent.futures.Future()
        prompts.append(answer)
        return PromptAnswer(answer, withdraw=lambda: None)

    environment = Environment(collection=lambda: collection, settings=lambda: config, permission_prompt=prompt)
    dispatcher = Dispatcher(environment)
    untrusted = RequestInfo(origin="https://page.example", trusted=False)
    request = {"action": "requestPermission", "version": 6}

    async def scenario() -> list[Any]:
        calls = [asyncio.create_task(dispatcher.handle(request, untrusted)) for _ in range(20)]
        await _settle()
        prompts[0].set_result(True)  # the user says yes once
        return await asyncio.gather(*calls)

    replies = asyncio.run(scenario())
    assert len(prompts) == 1
    assert replies == [{"result": {"permission": "granted", "requireApikey": False, "version": 6}, "error": None}] * 20
