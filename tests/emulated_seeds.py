"""Seeds shared by the emulator's own tests and the SDK's tests against it.

Only the emulator's seed types are imported here, so the emulator tests that use
a seed import nothing of the SDK through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bitable_async.emulator.config import SeedApp, SeedField, SeedLookup, SeedTable


def projects_and_tasks(
    name: str,
    *,
    app_token: str,
    projects_id: str,
    tasks_id: str,
    more_projects: Iterable[Mapping[str, Any]] = (),
) -> SeedApp:
    """A base of two tables: "Projects", and "Tasks" linking to it with three lookups.

    Projects: Name, Stage (single select), Labels (multi-select), Budget (number),
    with the records "Alpha" and "Beta" and then ``more_projects``. Tasks: Name,
    Due (date), Project (link to Projects) and the lookups "Project stage",
    "Project labels" and "Project budget" through it; no records.
    """
    projects = SeedTable(
        "Projects",
        [
            SeedField("Name", 1),
            SeedField("Stage", 3, {"options": [{"name": "Build"}, {"name": "Ship"}]}),
            SeedField("Labels", 4, {"options": [{"name": "x"}, {"name": "y"}, {"name": "z"}]}),
            SeedField("Budget", 2, {"formatter": "0"}),
        ],
        records=[
            {"Name": "Alpha", "Stage": "Build", "Labels": ["x", "y"], "Budget": 1200},
            {"Name": "Beta", "Stage": "Ship", "Labels": ["z"], "Budget": 5},
            *(dict(r) for r in more_projects),
        ],
        table_id=projects_id,
    )
    tasks = SeedTable(
        "Tasks",
        [
            SeedField("Name", 1),
            SeedField("Due", 5, {"date_formatter": "yyyy/MM/dd"}),
            SeedField("Project", 18, {"multiple": True, "table_id": projects_id}),
            SeedField("Project stage", 19, lookup=SeedLookup("Project", "Stage")),
            SeedField("Project labels", 19, lookup=SeedLookup("Project", "Labels")),
            SeedField("Project budget", 19, lookup=SeedLookup("Project", "Budget")),
        ],
        table_id=tasks_id,
    )
    return SeedApp(name, app_token=app_token, tables=[projects, tasks])
