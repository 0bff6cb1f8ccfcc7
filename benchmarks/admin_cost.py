"""What residents' unanswered questions cost the admins: the /admin page, `report`, the
teach list and one button press, with 150 and 600 distinct 200-character questions.

    python benchmarks/admin_cost.py              # 150 and 600 questions
    python benchmarks/admin_cost.py --sizes 150  # 150 only

The questions are asked through the dialogue, as residents ask them (each is matched
once, then); then the admin's side is timed: `report` (build_report, as the command
runs it), the web /admin page (its first view groups every form; later views only the
new ones), one "ignore" click, and the teach list in a fresh process. Target (issue 18): the admin's
cost follows what is shown, not what residents sent — the old code took 33 s for the
page at 150 questions and 141 s at 600. A benchmark, not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.admin.teaching import Teaching  # noqa: E402
from bot.dialogue import Dialogue, TextMessage, User  # noqa: E402
from bot.match import LiveKnowledge, MatcherSettings  # noqa: E402
from bot.report import build_report  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.teachlog import TeachJournal  # noqa: E402

CHARS = 200
# Common characters, none of them a question the knowledge base answers on its own.
ALPHABET = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研"  # noqa: E501


def questions(n: int, seed: int = 18) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(CHARS)) for _ in range(n)]


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


TOKEN = "benchmark-admin-token-0123"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def run(n: int) -> None:
    from starlette.testclient import TestClient

    from bot.web.app import create_app
    from bot.web.guard import RateLimits

    with tempfile.TemporaryDirectory(prefix="admin-cost-") as scratch:
        knowledge_dir = Path(scratch) / "knowledge"
        shutil.copytree(ROOT / "knowledge", knowledge_dir)
        knowledge = LiveKnowledge(knowledge_dir, MatcherSettings())
        store = Store(Path(scratch) / "bot.sqlite3")
        journal = TeachJournal(store)
        dialogue = Dialogue(knowledge, store, journal=journal)
        start = time.perf_counter()
        for i, question in enumerate(questions(n)):
            dialogue.handle(User(f"bench:{i}"), TextMessage(question))
        asking = time.perf_counter() - start
        store.flush(30)
        report = timed(lambda: build_report(store, knowledge.current, 7))  # as `report` does
        app = create_app(
            dialogue,
            limits=RateLimits(100, 10.0),
            csrf_secret="benchmark-secret-0123456",
            admin_token=TOKEN,
            close_store=False,
        )
        with TestClient(app) as client:
            first = timed(lambda: client.get("/admin", headers=BEARER))
            page = client.get("/admin", headers=BEARER).text
            again = timed(lambda: client.get("/admin", headers=BEARER))
            form = {"csrf": _field(page, "csrf"), "log": _field(page, "log")}
            ignore = timed(lambda: client.post("/admin/ignore", data=form, headers=BEARER))
        teaching = Teaching(knowledge, store, journal)
        listing = timed(teaching.groups)
        print(
            f"{n:4d} questions: asking {asking:6.1f} s ({asking / n * 1000:.0f} ms each) | "
            f"/admin first view {first:5.2f} s, next {again:5.2f} s | ignore click {ignore:5.2f} s"
            f" | report {report:5.2f} s | teach list, fresh process {listing:5.2f} s "
            f"({len(teaching.groups())} groups)"
        )
        journal.close()
        store.close()


def _field(page: str, name: str) -> str:
    return page.split(f'name="{name}" value="', 1)[1].split('"', 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[150, 600])
    for n in parser.parse_args().sizes:
        run(n)


if __name__ == "__main__":
    main()
