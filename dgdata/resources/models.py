"""Models: the public catalogue and the models a project can use."""

from __future__ import annotations

from dgdata.resources._base import JSON, Resource, operation


class Models(Resource):
    """Speech-to-text (``stt``) and text-to-speech (``tts``) models."""

    @operation("GET", "/v1/models")
    def list(self, include_outdated: bool | None = None) -> JSON:
        """Every public model: ``{"stt": [...], "tts": [...]}``."""
        return self._send(self.list, params={"include_outdated": include_outdated})

    @operation("GET", "/v1/models/{model_id}")
    def get(self, model_id: str) -> JSON:
        """One public model by its UUID."""
        return self._send(self.get, model_id)

    @operation("GET", "/v1/projects/{project_id}/models")
    def list_project_models(self, project_id: str, include_outdated: bool | None = None) -> JSON:
        """The models a project can use: ``{"stt": [...], "tts": [...]}``."""
        return self._send(
            self.list_project_models, project_id, params={"include_outdated": include_outdated}
        )

    @operation("GET", "/v1/projects/{project_id}/models/{model_id}")
    def get_project_model(self, project_id: str, model_id: str) -> JSON:
        """One model of a project by its UUID."""
        return self._send(self.get_project_model, project_id, model_id)
