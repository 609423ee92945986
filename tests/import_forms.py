"""The import plan form as the browser posts it (shared by the web import tests)."""

from __future__ import annotations

from kaidan.ingest.models import ImportJob


def plan_post(job: ImportJob, **overrides) -> dict:
    """Every detected column included, as detected; `overrides` replace or add fields."""
    data = {
        "classification": "internal",
        "on_error": "abort",
        "key": "",
        "message": "",
        "restriction_reason": "",
    }
    if job.plan.get("mode", "create") == "create":  # a new dataset: its name and machine name, as proposed
        data |= {"title": job.plan.get("title", ""), "dataset": job.plan["dataset"]}
    for i, col in enumerate(job.plan["columns"]):
        data |= {
            f"c{i}_include": "on",
            f"c{i}_label": col["label"],
            f"c{i}_name": col["name"],
            f"c{i}_type": col["type"],
            f"c{i}_classification": col["classification"],
        }
    return data | overrides
