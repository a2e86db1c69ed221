"""Self-hosted distribution credentials of a project: records only.

The local server hands out no registry credentials; it keeps what was asked for (scopes,
provider, comment) so the self-hosted API answers as the real one does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dgdata.server.backend.store import Tables, dumps, iso, loads, new_id, utcnow

__all__ = ["Credentials"]

_SELECT = (
    "SELECT c.*, a.email FROM credentials c LEFT JOIN accounts a USING (member_id) "
    "WHERE c.project_id = ?"
)


def _credentials_json(row: Any) -> dict[str, Any]:
    credentials: dict[str, Any] = {
        "distribution_credentials_id": row["distribution_credentials_id"],
        "provider": row["provider"],
    }
    if row["comment"] is not None:
        credentials["comment"] = row["comment"]
    credentials.update(scopes=loads(row["scopes"], []), created=row["created"])
    return {
        "member": {"member_id": row["member_id"], "email": row["email"] or "unknown@example.com"},
        "distribution_credentials": credentials,
    }


class Credentials(Tables):
    """The ``credentials`` table."""

    def list_credentials(self, project_id: str) -> list[dict[str, Any]]:
        """``{member, distribution_credentials}`` of the project's credentials, oldest first."""
        rows = self.store.query(_SELECT + " ORDER BY c.created, c.rowid", (project_id,))
        return [_credentials_json(row) for row in rows]

    def get_credentials(self, project_id: str, credentials_id: str) -> dict[str, Any]:
        """One set of credentials; 404 if there is none."""
        sql = _SELECT + " AND c.distribution_credentials_id = ?"
        row = self._one_or_404("Distribution credentials", sql, (project_id, credentials_id))
        return _credentials_json(row)

    def create_credentials(
        self,
        project_id: str,
        member_id: str,
        *,
        scopes: Sequence[str],
        provider: str,
        comment: str | None = None,
        credentials_id: str | None = None,
        created: str | None = None,
    ) -> dict[str, Any]:
        """Record credentials made by a member; returns them."""
        credentials_id = credentials_id or new_id()
        self.store.execute(
            "INSERT INTO credentials (distribution_credentials_id, project_id, member_id, "
            "comment, scopes, provider, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                credentials_id,
                project_id,
                member_id,
                comment,
                dumps(list(scopes)),
                provider,
                created or iso(utcnow()),
            ),
        )
        return self.get_credentials(project_id, credentials_id)

    def delete_credentials(self, project_id: str, credentials_id: str) -> dict[str, Any]:
        """Delete credentials; returns what they were (404 if there are none)."""
        deleted = self.get_credentials(project_id, credentials_id)
        self.store.execute(
            "DELETE FROM credentials WHERE distribution_credentials_id = ?", (credentials_id,)
        )
        return deleted
