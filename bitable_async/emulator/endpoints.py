"""Endpoint metadata: name, kind and documented QPS (limits.md §4)."""

from __future__ import annotations

from dataclasses import dataclass

READ, WRITE, TABLE_READ, TABLE_WRITE = "read", "write", "table_read", "table_write"


@dataclass(frozen=True)
class Endpoint:
    """One API endpoint.

    Attributes:
        name: ``resource.action`` as in endpoints.md.
        method: HTTP method.
        path: aiohttp path pattern under ``/open-apis``.
        kind: read / write / table_read / table_write (table writes are serialised).
        qps: documented QPS, or None (falls back to the read/write default).
        qpm: documented per-minute cap, if any.
    """

    name: str
    method: str
    path: str
    kind: str
    qps: int | None = None
    qpm: int | None = None

    @property
    def is_write(self) -> bool:
        """True for endpoints that change state."""
        return self.kind in (WRITE, TABLE_WRITE)


_A = "/bitable/v1/apps/{app_token}"
_T = _A + "/tables/{table_id}"
_AP = "/apaas/v1/applications/{namespace}/objects/{object_api_name}/records"

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("app.get", "GET", _A, READ, 20),
    Endpoint("app.update", "PUT", _A, WRITE, 10),
    Endpoint("app_table.list", "GET", _A + "/tables", READ, 20),
    Endpoint("app_table.create", "POST", _A + "/tables", WRITE, 10),
    Endpoint("app_table.batch_create", "POST", _A + "/tables/batch_create", WRITE, 10),
    Endpoint("app_table.batch_delete", "POST", _A + "/tables/batch_delete", WRITE, 10),
    Endpoint("app_table.update", "PATCH", _T, WRITE, 10),
    Endpoint("app_table.delete", "DELETE", _T, WRITE),
    Endpoint("app_dashboard.list", "GET", _A + "/dashboards", READ, 20),
    Endpoint("app_dashboard.copy", "POST", _A + "/dashboards/{block_id}/copy", WRITE),
    Endpoint("app_table_view.list", "GET", _T + "/views", TABLE_READ, 20),
    Endpoint("app_table_view.create", "POST", _T + "/views", TABLE_WRITE, 10),
    Endpoint("app_table_view.get", "GET", _T + "/views/{view_id}", TABLE_READ),
    Endpoint("app_table_view.update", "PATCH", _T + "/views/{view_id}", TABLE_WRITE),
    Endpoint("app_table_view.delete", "DELETE", _T + "/views/{view_id}", TABLE_WRITE, 10),
    Endpoint("app_table_form.get", "GET", _T + "/forms/{form_id}", TABLE_READ, 20),
    Endpoint("app_table_form.update", "PATCH", _T + "/forms/{form_id}", TABLE_WRITE, 10),
    Endpoint("app_table_form_field.list", "GET", _T + "/forms/{form_id}/fields", TABLE_READ, 20),
    Endpoint("app_table_form_field.update", "PATCH", _T + "/forms/{form_id}/fields/{field_id}",
             TABLE_WRITE, 10),
    Endpoint("app_table_record.list", "GET", _T + "/records", TABLE_READ, 10, 1000),
    Endpoint("app_table_record.create", "POST", _T + "/records", TABLE_WRITE, 10),
    Endpoint("app_table_record.search", "POST", _T + "/records/search", TABLE_READ, 20),
    Endpoint("app_table_record.batch_get", "POST", _T + "/records/batch_get", TABLE_READ),
    Endpoint("app_table_record.batch_create", "POST", _T + "/records/batch_create",
             TABLE_WRITE, 10),
    Endpoint("app_table_record.batch_update", "POST", _T + "/records/batch_update",
             TABLE_WRITE, 10),
    Endpoint("app_table_record.batch_delete", "POST", _T + "/records/batch_delete",
             TABLE_WRITE, 10),
    Endpoint("app_table_record.get", "GET", _T + "/records/{record_id}", TABLE_READ, 20),
    Endpoint("app_table_record.update", "PUT", _T + "/records/{record_id}", TABLE_WRITE, 10),
    Endpoint("app_table_record.delete", "DELETE", _T + "/records/{record_id}", TABLE_WRITE, 10),
    Endpoint("app_table_field.list", "GET", _T + "/fields", TABLE_READ, 20),
    Endpoint("app_table_field.create", "POST", _T + "/fields", TABLE_WRITE, 10),
    Endpoint("app_table_field.update", "PUT", _T + "/fields/{field_id}", TABLE_WRITE, 10),
    Endpoint("app_table_field.delete", "DELETE", _T + "/fields/{field_id}", TABLE_WRITE, 10),
    Endpoint("app_role.list", "GET", _A + "/roles", READ),
    Endpoint("app_role.create", "POST", _A + "/roles", WRITE),
    Endpoint("app_role.update", "PUT", _A + "/roles/{role_id}", WRITE),
    Endpoint("app_role.delete", "DELETE", _A + "/roles/{role_id}", WRITE),
    Endpoint("app_role_member.list", "GET", _A + "/roles/{role_id}/members", READ),
    Endpoint("app_role_member.create", "POST", _A + "/roles/{role_id}/members", WRITE),
    Endpoint("app_role_member.batch_create", "POST",
             _A + "/roles/{role_id}/members/batch_create", WRITE),
    Endpoint("app_role_member.batch_delete", "POST",
             _A + "/roles/{role_id}/members/batch_delete", WRITE),
    Endpoint("app_role_member.delete", "DELETE", _A + "/roles/{role_id}/members/{member_id}",
             WRITE),
    Endpoint("apaas.application_object_record.batch_query", "POST", _AP + "/batch_query",
             READ, 50, 1000),
    Endpoint("apaas.application_object_record.batch_update", "PATCH", _AP + "/batch_update",
             WRITE, 50, 1000),
    Endpoint("drive.media.upload_all", "POST", "/drive/v1/medias/upload_all", WRITE, 5),
    Endpoint("drive.media.download", "GET", "/drive/v1/medias/{file_token}/download", READ, 5),
)

BY_NAME: dict[str, Endpoint] = {e.name: e for e in ENDPOINTS}

# Documented page-size caps (limits.md §2); larger requests are clamped. List-records
# follows its parameter rule (page_size max 100, A.30), not the "500 per call" prose, as
# the SDK does; records/search keeps 500. ``EmulatorConfig.page_size_caps`` overrides.
PAGE_CAPS: dict[str, int] = {
    "app_table.list": 100,
    "app_dashboard.list": 500,
    "app_table_form_field.list": 100,
    "app_role.list": 30,
    "app_role_member.list": 100,
    "app_table_record.list": 100,
    "app_table_record.search": 500,
    "app_table_view.list": 500,
    "app_table_field.list": 500,
}
