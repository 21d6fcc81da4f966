"""pytest plugin: collects policy test cases (POLICY/tests/*.yaml) as test items.

Installed as the `subsidy_rules` entry point. `pytest policy/tests` runs every
case of the bundled policy; a failure shows what differed and the explanation
of the actual decision, as `subsidy-rules test` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest

_POLICIES: Dict[Path, Any] = {}


def _policy_folder(path: Path) -> Optional[Path]:
    """The policy folder of a tests/*.yaml file, if it is one."""
    if path.suffix not in (".yaml", ".yml") or path.parent.name != "tests":
        return None
    folder = path.parent.parent
    return folder if (folder / "policy.yaml").is_file() and (folder / "rules").is_dir() else None


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    folder = _policy_folder(Path(file_path))
    if folder is None:
        return None
    return PolicyCaseFile.from_parent(parent, path=Path(file_path), folder=folder)


def _load(folder: Path):
    from . import load_policy

    key = folder.resolve()
    if key not in _POLICIES:
        _POLICIES[key] = load_policy(folder)
    return _POLICIES[key]


class PolicyCaseFile(pytest.File):
    def __init__(self, *args: Any, folder: Path, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.folder = folder

    def collect(self) -> Iterator[pytest.Item]:
        from .errors import PolicyError
        from .load import Collector
        from .testing import load_case_file

        out = Collector()
        cases = load_case_file(Path(self.path), out)
        if out.diagnostics:
            raise PolicyError(out.diagnostics)
        for case in cases:
            yield PolicyCase.from_parent(self, name=f"{case.rule}: {case.name}", case=case)


class PolicyCaseFailed(Exception):
    pass


class PolicyCase(pytest.Item):
    def __init__(self, *args: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case

    def runtest(self) -> None:
        from .explain import render_text
        from .testing import run_case

        policy = _load(self.parent.folder)  # type: ignore[attr-defined]
        result = run_case(policy, self.case)
        if not result.passed:
            text = "\n".join(result.problems)
            if result.decision is not None:
                text += "\n\n" + render_text([result.decision], "zh")
            raise PolicyCaseFailed(text)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        from .errors import SubsidyRulesError

        if isinstance(excinfo.value, (PolicyCaseFailed, SubsidyRulesError)):
            message = excinfo.value.message("zh") if isinstance(excinfo.value, SubsidyRulesError) else str(excinfo.value)
            return f"{self.case.span}: {self.case.rule} · {self.case.name}\n{message}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.case.span.line - 1, f"{self.case.rule}: {self.case.name}"
