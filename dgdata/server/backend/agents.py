"""Agent configurations and agent variables of a project.

A configuration's ``config`` (the ``agent`` block of a Settings message) is immutable; only its
``metadata`` (string values) can be replaced. A variable is named ``DG_<NAME>``, unique in its
project, and holds any JSON value. The local server stores these; it runs no voice agent.

Both are project records kept the same way (an id, JSON columns, ``created`` and ``updated``), so
one set of private methods, driven by a :class:`_Kind`, serves both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dgdata.server.backend.store import Tables, dumps, iso, loads, new_id, utcnow
from dgdata.server.errors import bad_request

__all__ = ["Agents"]


@dataclass(frozen=True)
class _Kind:
    """How one kind of record is stored and shown."""

    table: str
    id_column: str
    #: The column an update replaces.
    mutable: str
    #: What a 404 names.
    what: str
    as_json: Callable[[Any], dict[str, Any]]


def _dates(row: Any) -> dict[str, Any]:
    return {"created_at": row["created"], "updated_at": row["updated"]}


_AGENT = _Kind(
    "agents",
    "agent_id",
    "metadata",
    "Agent configuration",
    lambda row: {
        "agent_id": row["agent_id"],
        "config": loads(row["config"], {}),
        "metadata": loads(row["metadata"], {}),
        **_dates(row),
    },
)
_VARIABLE = _Kind(
    "agent_variables",
    "variable_id",
    "value",
    "Agent variable",
    lambda row: {
        "variable_id": row["variable_id"],
        "key": row["key"],
        "value": loads(row["value"]),
        **_dates(row),
    },
)


class Agents(Tables):
    """The ``agents`` and ``agent_variables`` tables."""

    # ------------------------------------------------------------------ configurations

    def create_agent(
        self,
        project_id: str,
        config: dict[str, Any],
        metadata: dict[str, str],
        **fixed: str,
    ) -> dict[str, Any]:
        """Store an agent configuration; returns it. ``fixed``: an ``item_id`` and ``created``
        and ``updated`` times to use instead of new ones (for seeding)."""
        columns = {"config": dumps(config), "metadata": dumps(metadata)}
        return self._insert(_AGENT, project_id, columns, **fixed)

    def list_agents(self, project_id: str) -> list[dict[str, Any]]:
        """The project's agent configurations, oldest first."""
        return self._list(_AGENT, project_id)

    def get_agent(self, project_id: str, agent_id: str) -> dict[str, Any]:
        """One agent configuration; 404 if there is none."""
        return _AGENT.as_json(self._row(_AGENT, project_id, agent_id))

    def update_agent_metadata(
        self, project_id: str, agent_id: str, metadata: dict[str, str]
    ) -> dict[str, Any]:
        """Replace a configuration's metadata; returns the configuration."""
        return self._update(_AGENT, project_id, agent_id, metadata)

    def delete_agent(self, project_id: str, agent_id: str) -> None:
        """Delete an agent configuration; 404 if there is none."""
        self._delete(_AGENT, project_id, agent_id)

    # ------------------------------------------------------------------ variables

    def create_variable(
        self, project_id: str, key: str, value: Any, **fixed: str
    ) -> dict[str, Any]:
        """Store a variable; 400 if the project has one of that name. Returns it (``fixed`` as
        for :meth:`create_agent`)."""
        if self.store.one(
            "SELECT 1 FROM agent_variables WHERE project_id = ? AND key = ?", (project_id, key)
        ):
            raise bad_request(f"A variable named {key} already exists in this project.")
        return self._insert(_VARIABLE, project_id, {"key": key, "value": dumps(value)}, **fixed)

    def list_variables(self, project_id: str) -> list[dict[str, Any]]:
        """The project's variables, oldest first."""
        return self._list(_VARIABLE, project_id)

    def get_variable(self, project_id: str, variable_id: str) -> dict[str, Any]:
        """One variable; 404 if there is none."""
        return _VARIABLE.as_json(self._row(_VARIABLE, project_id, variable_id))

    def update_variable(self, project_id: str, variable_id: str, value: Any) -> dict[str, Any]:
        """Give a variable a new value; returns the variable."""
        return self._update(_VARIABLE, project_id, variable_id, value)

    def delete_variable(self, project_id: str, variable_id: str) -> None:
        """Delete a variable; 404 if there is none."""
        self._delete(_VARIABLE, project_id, variable_id)

    # ------------------------------------------------------------------ either kind

    def _row(self, kind: _Kind, project_id: str, item_id: str) -> Any:
        return self._one_or_404(
            kind.what,
            f"SELECT * FROM {kind.table} WHERE project_id = ? AND {kind.id_column} = ?",
            (project_id, item_id),
        )

    def _insert(
        self,
        kind: _Kind,
        project_id: str,
        columns: dict[str, Any],
        *,
        item_id: str | None = None,
        created: str | None = None,
        updated: str | None = None,
    ) -> dict[str, Any]:
        now = iso(utcnow())
        values = {
            kind.id_column: item_id or new_id(),
            "project_id": project_id,
            **columns,
            "created": created or now,
            "updated": updated or now,
        }
        names = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        self.store.execute(f"INSERT INTO {kind.table} ({names}) VALUES ({marks})", values)
        return kind.as_json(self._row(kind, project_id, values[kind.id_column]))

    def _list(self, kind: _Kind, project_id: str) -> list[dict[str, Any]]:
        rows = self.store.query(
            f"SELECT * FROM {kind.table} WHERE project_id = ? ORDER BY created, rowid",
            (project_id,),
        )
        return [kind.as_json(row) for row in rows]

    def _update(self, kind: _Kind, project_id: str, item_id: str, value: Any) -> dict[str, Any]:
        self._row(kind, project_id, item_id)
        self.store.execute(
            f"UPDATE {kind.table} SET {kind.mutable} = ?, updated = ? WHERE {kind.id_column} = ?",
            (dumps(value), iso(utcnow()), item_id),
        )
        return kind.as_json(self._row(kind, project_id, item_id))

    def _delete(self, kind: _Kind, project_id: str, item_id: str) -> None:
        self._row(kind, project_id, item_id)
        self.store.execute(f"DELETE FROM {kind.table} WHERE {kind.id_column} = ?", (item_id,))
