"""The booking site's backend API, as the Online Client service uses it: activation, the
backend token, certificate info, databases, master data, site settings, free time, service
state and the booking feed.

The account key goes only to the three setup calls; everything else uses a backend token,
fetched on first use for {AccountId, Thumbprint} and fetched again when it lapses.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from uuid import UUID

import httpx

from reconciler.domain.secrets import Secret, SecretProblem
from reconciler.errors import AccountKeyRejected, SiteError, SiteRejected
from reconciler.providers.site.certificate import ClientCertificate
from reconciler.providers.site.models import (
    AccountInfo,
    AvailableTimeslotBatch,
    BookAppointments,
    BookingEvent,
    CertificateAdminInfo,
    FreeTime,
    MasterData,
    MasterDataResult,
    OpusDatabaseDiff,
    OpusDatabaseInfo,
    ServiceStateResult,
    Subdomain,
    SubdomainAvailability,
    TimeslotDiffResult,
    TimeSlotDiffV2,
)
from reconciler.providers.site.transport import SiteTransport

BACKEND = "/api/backend/v1"
_TOKEN_PROBLEMS = frozenset({"token-expired", "token-rejected", "token-missing"})


class BackendClient:
    """One account's backend API. `certificate` is the client certificate in use (its
    thumbprint names it to the site); without one, the activated thumbprint is asked for."""

    def __init__(
        self,
        transport: SiteTransport,
        account_key: Secret,
        certificate: ClientCertificate | None = None,
    ) -> None:
        self.transport = transport
        self._key = account_key
        self.certificate = certificate
        self._token: Secret | None = None
        self._account_id: UUID | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> BackendClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"BackendClient({self.transport.base_url!r})"

    # --- calls with the account key ----------------------------------------------------

    def _keyed(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return self.transport.request(
            method, BACKEND + path, json_body=body, headers={"apiKey": self._key}
        )

    def account(self) -> AccountInfo:
        """The account the key belongs to (AccountKeyRejected if the site refuses the key)."""
        info = AccountInfo.model_validate(self._keyed("GET", "/account").json())
        self._account_id = info.ID
        return info

    def account_id(self) -> UUID:
        if self._account_id is None:
            self.account()
        assert self._account_id is not None
        return self._account_id

    def activate(self, certificate: ClientCertificate | None = None) -> CertificateAdminInfo:
        """Activate `certificate` (by default the one in use) for the account."""
        chosen = certificate or self.certificate
        if chosen is None:
            raise SiteError(
                "there is no client certificate to activate",
                "add the vendor's certificate under accounts.<name>.certificates",
            )
        body = {"AccountID": str(self.account_id()), "Certificate": chosen.public_certificate()}
        info = CertificateAdminInfo.model_validate(self._keyed("POST", "/activation", body).json())
        with self._lock:
            self._token = None
        return info

    def _thumbprint(self) -> str:
        if self.certificate is not None:
            return self.certificate.thumbprint
        info = self.account()
        if info.Thumbprint is None:
            raise SiteError(
                "the account has no activated certificate",
                "activate the vendor's certificate first",
            )
        return info.Thumbprint

    def token(self) -> Secret:
        """A backend token, fetched now if there is none."""
        with self._lock:
            if self._token is None:
                body = {"AccountId": str(self.account_id()), "Thumbprint": self._thumbprint()}
                token = str(self._keyed("POST", "/token", body).json()["Token"])
                try:
                    self._token = Secret("the backend token", token)
                except SecretProblem:
                    raise SiteRejected(
                        "the booking site sent a backend token that cannot be used",
                        "report this to the site's operator",
                    ) from None
            return self._token

    # --- calls with the token ----------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, Any] | None = None,
        headers: Mapping[str, str | Secret] | None = None,
    ) -> httpx.Response:
        for attempt in (1, 2):
            token = self.token()
            try:
                return self.transport.request(
                    method,
                    BACKEND + path,
                    json_body=body,
                    params=params,
                    headers={**(headers or {}), "Authorization": token.prefixed("Bearer ")},
                )
            except AccountKeyRejected as e:
                if e.code not in _TOKEN_PROBLEMS or attempt == 2:
                    raise
                with self._lock:
                    if self._token is token:
                        self._token = None
        raise AssertionError("unreachable")

    def certificate_info(self) -> CertificateAdminInfo:
        return CertificateAdminInfo.model_validate(self._call("GET", "/certificate").json())

    def databases(self) -> list[OpusDatabaseInfo]:
        return [OpusDatabaseInfo.model_validate(d) for d in self._call("GET", "/databases").json()]

    def register_database(
        self,
        database_id: UUID,
        name: str,
        *,
        active: bool = True,
        culture: str | None = None,
        version: str | None = None,
        client_version: str | None = None,
    ) -> OpusDatabaseInfo:
        body = {
            k: v
            for k, v in {
                "Name": name,
                "Active": active,
                "Culture": culture,
                "Version": version,
                "ClientVersion": client_version,
            }.items()
            if v is not None
        }
        return OpusDatabaseInfo.model_validate(
            self._call("PUT", f"/databases/{database_id}", body).json()
        )

    def master_data(self, database_id: UUID) -> MasterData:
        response = self._call("GET", f"/databases/{database_id}/masterdata")
        return MasterData.model_validate(response.json())

    def apply_master_data(self, database_id: UUID, diff: OpusDatabaseDiff) -> MasterDataResult:
        response = self._call("POST", f"/databases/{database_id}/masterdata", diff.body())
        return MasterDataResult.model_validate(response.json())

    def subdomain(self) -> Subdomain:
        return Subdomain.model_validate(self._call("GET", "/subdomain").json())

    def put_subdomain(self, document: Subdomain, *, if_match: str | None = None) -> Subdomain:
        """Replace the site settings; with `if_match` (a RowVersion) only if unchanged since."""
        headers = {"If-Match": f'"{if_match}"'} if if_match else None
        response = self._call("PUT", "/subdomain", document.body(), headers=headers)
        return Subdomain.model_validate(response.json())

    def subdomain_available(self, name: str) -> SubdomainAvailability:
        response = self._call("GET", f"/subdomains/{name}")
        return SubdomainAvailability.model_validate(response.json())

    def free_time(self, database_id: UUID, *, page_size: int = 500) -> FreeTime:
        """Every free-time batch of the database, read page by page."""
        items: list[AvailableTimeslotBatch] = []
        cursor: str | None = None
        version = ""
        while True:
            params: dict[str, Any] = {"limit": page_size}
            if cursor is not None:
                params["cursor"] = cursor
            page = self._call("GET", f"/databases/{database_id}/timeslots", params=params).json()
            items += [AvailableTimeslotBatch.model_validate(b) for b in page["Items"]]
            version = version or page["RowVersion"]
            cursor = page.get("NextCursor")
            if cursor is None:
                return FreeTime(Items=items, RowVersion=version)

    def apply_free_time(
        self, database_id: UUID, diff: TimeSlotDiffV2, *, base_row_version: str | None = None
    ) -> TimeslotDiffResult:
        body: dict[str, Any] = {"TimeSlotDiff": diff.body()}
        if base_row_version is not None:
            body["BaseRowVersion"] = base_row_version
        response = self._call("POST", f"/databases/{database_id}/timeslots", body)
        return TimeslotDiffResult.model_validate(response.json())

    def upload_appointments(self, database_id: UUID, upload: BookAppointments) -> dict[str, int]:
        """The clinic's own appointments for the site's patients (reference-site
        extension): what the site changed, by kind."""
        response = self._call("PUT", f"/databases/{database_id}/appointments", upload.body())
        return {k: int(v) for k, v in response.json().items()}

    def _service(
        self, state: str, databases: Sequence[UUID], service_id: str | None, machine: str | None
    ) -> ServiceStateResult:
        body: dict[str, Any] = {"Databases": [str(d) for d in databases]}
        if service_id is not None:
            body["ServiceId"] = service_id
        if machine is not None:
            body["ClientMachineName"] = machine
        return ServiceStateResult.model_validate(
            self._call("POST", f"/service/{state}", body).json()
        )

    def register_online(
        self,
        databases: Sequence[UUID],
        *,
        service_id: str | None = None,
        machine: str | None = None,
    ) -> ServiceStateResult:
        """Say this service is online for `databases` (SiteConflict if another one is)."""
        return self._service("online", databases, service_id, machine)

    def heartbeat(
        self,
        databases: Sequence[UUID],
        *,
        service_id: str | None = None,
        machine: str | None = None,
    ) -> ServiceStateResult:
        return self._service("heartbeat", databases, service_id, machine)

    def register_offline(
        self,
        databases: Sequence[UUID],
        *,
        service_id: str | None = None,
        machine: str | None = None,
    ) -> ServiceStateResult:
        return self._service("offline", databases, service_id, machine)

    def events(self, *, after: str | None = None, page_size: int = 100) -> Iterator[BookingEvent]:
        """Booking events after `after` (default: after the acknowledged cursor), all pages."""
        cursor = after
        while True:
            params: dict[str, Any] = {"limit": page_size}
            if cursor is not None:
                params["after"] = cursor
            page = self._call("GET", "/events", params=params).json()
            for event in page["Events"]:
                yield BookingEvent.model_validate(event)
            cursor = page.get("NextCursor")
            if cursor is None:
                return

    def reject(self, cursor: str, reason: str) -> bool:
        """The clinic cannot take the booking of the event at `cursor` (reference-site
        extension): the site cancels it and tells the patient. Whether the booking a move
        replaced is the patient's again."""
        body = {"Cursor": cursor, "Reason": reason[:500]}
        return bool(self._call("POST", "/events/reject", body).json()["Restored"])

    def acknowledge(self, cursor: str) -> str:
        """Mark events up to `cursor` as written to Opus; returns the acknowledged cursor."""
        return str(self._call("POST", "/events/ack", {"Cursor": cursor}).json()["Acked"])
