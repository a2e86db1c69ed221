"""Voice-agent configurations, variables and think models (REST side of the Voice Agent API)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dgdata.resources._base import JSON, Resource, operation, without_none

_AGENTS = "/v1/projects/{project_id}/agents"
_VARIABLES = "/v1/projects/{project_id}/agent-variables"


class Agents(Resource):
    """Reusable agent configurations and the template variables they use."""

    @operation("GET", "/v1/agent/settings/think/models", agent=True)
    def list_think_models(self) -> JSON:
        """The LLMs an agent can think with: ``{"models": [...]}``."""
        return self._send(self.list_think_models)

    @operation("GET", _AGENTS)
    def list(self, project_id: str) -> JSON:
        """``{"agents": [...]}``."""
        return self._send(self.list, project_id)

    @operation("POST", _AGENTS)
    def create(
        self,
        project_id: str,
        config: str | Mapping[str, Any],
        *,
        metadata: Mapping[str, Any] | None = None,
        api_version: int | None = None,
    ) -> JSON:
        """Store an agent configuration (the ``agent`` block of a Settings message).

        ``config`` may be the JSON text or a dict (serialised for you). Returns ``agent_id``.
        """
        if isinstance(config, Mapping):
            config = json.dumps(config)
        if not config or not str(config).strip():
            raise ValueError("config is empty: pass the agent block of a Settings message")
        body = without_none(
            config=config,
            metadata=dict(metadata) if metadata is not None else None,
            api_version=api_version,
        )
        return self._send(self.create, project_id, json=body)

    @operation("GET", _AGENTS + "/{agent_id}")
    def get(self, project_id: str, agent_id: str) -> JSON:
        """One configuration: ``{"agent_id", "config", "metadata", "created_at", …}``."""
        return self._send(self.get, project_id, agent_id)

    @operation("PUT", _AGENTS + "/{agent_id}")
    def update(self, project_id: str, agent_id: str, metadata: Mapping[str, Any]) -> JSON:
        """Replace a configuration's metadata (the config itself is immutable)."""
        return self._send(self.update, project_id, agent_id, json={"metadata": dict(metadata)})

    @operation("DELETE", _AGENTS + "/{agent_id}")
    def delete(self, project_id: str, agent_id: str) -> JSON:
        """Delete a configuration (sessions that reference it will fail)."""
        return self._send(self.delete, project_id, agent_id)

    @operation("GET", _VARIABLES)
    def list_variables(self, project_id: str) -> JSON:
        """``{"variables": [...]}``."""
        return self._send(self.list_variables, project_id)

    @operation("POST", _VARIABLES)
    def create_variable(
        self, project_id: str, key: str, value: Any, *, api_version: int | None = None
    ) -> JSON:
        """Create a ``DG_<NAME>`` template variable; ``value`` is any JSON value."""
        if not key or not str(key).strip():
            raise ValueError("key is empty: variables are named like DG_GREETING")
        body = {"key": key, "value": value, **without_none(api_version=api_version)}
        return self._send(self.create_variable, project_id, json=body)

    @operation("GET", _VARIABLES + "/{variable_id}")
    def get_variable(self, project_id: str, variable_id: str) -> JSON:
        """One variable: ``{"variable_id", "key", "value", …}``."""
        return self._send(self.get_variable, project_id, variable_id)

    @operation("PATCH", _VARIABLES + "/{variable_id}")
    def update_variable(self, project_id: str, variable_id: str, value: Any) -> JSON:
        """Change a variable's value."""
        return self._send(self.update_variable, project_id, variable_id, json={"value": value})

    @operation("DELETE", _VARIABLES + "/{variable_id}")
    def delete_variable(self, project_id: str, variable_id: str) -> JSON:
        """Delete a variable."""
        return self._send(self.delete_variable, project_id, variable_id)
