"""The backend API through the real client over a real socket: account, activation, token,
certificate, databases, master data, site settings, free time, service state and the booking
feed, isolation between accounts, and persistence across a restart."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from support import FAST, NewAccount, People, Pki, SiteAccount, at, free_day, next_monday, seed

from reconciler.errors import AccountKeyRejected, CertificateRejected, SiteConflict, SiteRejected
from reconciler.providers.site import ClientCertificate, connect_backend, connect_dev
from reconciler.providers.site.models import (
    BookingDTO,
    Clinic,
    Clinician,
    OpusDatabaseDiff,
    Removed,
    TimeSlotDiffV2,
    Treatment,
)
from reconciler.site.background import BackgroundSite


def test_account_key_is_checked_and_never_echoed(
    site: BackgroundSite, account: SiteAccount
) -> None:
    with (
        connect_backend(site.url, "wrong-key-1234", retry=FAST) as wrong,
        pytest.raises(AccountKeyRejected) as refused,
    ):
        wrong.account()
    message = str(refused.value)
    assert "did not accept the account key" in message
    assert "welcome e-mail" in message
    assert "wrong-key-1234" not in message
    info = account.backend.account()
    assert str(info.ID) == account.id
    assert info.SubdomainName == account.subdomain
    assert info.Activated


def test_activation_and_certificate_info(new_account: NewAccount, pki: Pki) -> None:
    account = new_account(seeded=False, activate=False)
    assert not account.backend.account().Activated
    with pytest.raises(SiteRejected, match="no activated certificate"):
        account.backend.certificate_info()
    info = account.backend.activate()
    certificate = account.backend.certificate
    assert certificate is not None
    assert info.Thumbprint == certificate.thumbprint
    assert info.ExpirationDate == certificate.not_after
    assert account.backend.certificate_info().Thumbprint == certificate.thumbprint
    assert account.backend.account().Thumbprint == certificate.thumbprint


def test_expired_certificate_cannot_be_activated(new_account: NewAccount, pki: Pki) -> None:
    account = new_account(seeded=False, activate=False)
    expired = ClientCertificate.load(pki.expired, "p12-Pass-w0rd")
    with pytest.raises(SiteRejected, match="expired") as refused:
        account.backend.activate(expired)
    assert refused.value.code == "certificate-expired"


def test_token_needs_the_activated_thumbprint(
    new_account: NewAccount, site: BackgroundSite, pki: Pki
) -> None:
    account = new_account(seeded=False)
    second = ClientCertificate.load(pki.second, "p12-Pass-w0rd")
    with (
        connect_backend(site.url, account.key, second, retry=FAST) as other,
        pytest.raises(CertificateRejected, match="not that of the certificate activated"),
    ):
        other.databases()


def test_token_is_renewed_when_it_lapses(account: SiteAccount, site: BackgroundSite) -> None:
    first = account.backend.token().reveal()
    with site.store.write() as db:
        db.execute("UPDATE tokens SET expires_at = '2000-01-01T00:00:00'")
    assert account.backend.databases()  # refused once with token-expired, then renewed
    assert account.backend.token().reveal() != first


def test_databases_register_and_list(account: SiteAccount) -> None:
    databases = account.backend.databases()
    assert [d.OpusDatabaseID for d in databases] == [account.database_id]
    assert databases[0].Name == "OpusDental"
    updated = account.backend.register_database(account.database_id, "Opus 2", active=False)
    assert updated.Name == "Opus 2" and not updated.Active


def test_master_data_diff_round_trip(account: SiteAccount) -> None:
    backend, db = account.backend, account.database_id
    before = backend.master_data(db)
    assert [c.Name for c in before.Clinics] == ["Majorstuen", "Storgata"]  # by Order
    assert {t.ID for t in before.Treatments} == {5, 6, 7}
    result = backend.apply_master_data(
        db,
        OpusDatabaseDiff(
            ChangedClinics=[Clinic(ID=1, Name="Storgata Tannlegesenter", Order=1, Group="Oslo")],
            RemovedTreatments=[Removed(ID=7)],
            AddedClinicians=[Clinician(ID=13, ClinicID=2, Order=1, Name="Ola Dunk")],
            BaseRowVersion=before.RowVersion,
        ),
    )
    assert (result.Added, result.Changed, result.Removed) == (1, 1, 1)
    after = backend.master_data(db)
    assert after.RowVersion == result.RowVersion != before.RowVersion
    assert {c.ID: c.Name for c in after.Clinics}[1] == "Storgata Tannlegesenter"
    assert {t.ID for t in after.Treatments} == {5, 6}
    assert 13 in {c.ID for c in after.Clinicians}


def test_master_data_conflicts_are_reported_whole(account: SiteAccount) -> None:
    backend, db = account.backend, account.database_id
    stale = backend.master_data(db).RowVersion
    backend.apply_master_data(
        db, OpusDatabaseDiff(AddedTreatments=[Treatment(ID=8, Name="X", Duration=15)])
    )
    with pytest.raises(SiteConflict, match="changed since") as conflict:
        backend.apply_master_data(
            db, OpusDatabaseDiff(RemovedTreatments=[Removed(ID=8)], BaseRowVersion=stale)
        )
    assert conflict.value.code == "stale-row-version"
    with pytest.raises(SiteConflict, match=r"clinic 1 already exists; .*treatment 99 does not"):
        backend.apply_master_data(
            db,
            OpusDatabaseDiff(
                AddedClinics=[Clinic(ID=1, Name="Again", Order=0)],
                RemovedTreatments=[Removed(ID=99)],
                AddedTreatments=[Treatment(ID=9, Name="Y", Duration=15)],
            ),
        )
    assert 9 not in {t.ID for t in backend.master_data(db).Treatments}  # nothing applied
    with pytest.raises(SiteRejected, match="clinic that does not exist"):
        backend.apply_master_data(db, OpusDatabaseDiff(RemovedClinics=[Removed(ID=2)]))


def test_subdomain_settings_round_trip_with_if_match(account: SiteAccount) -> None:
    backend = account.backend
    document = backend.subdomain()
    assert document.Name == account.subdomain
    assert document.FlexibilitySettings.HourBeforModifyBookingClosing == 24
    version = document.RowVersion
    changed = document.model_copy(
        update={
            "FlexibilitySettings": document.FlexibilitySettings.model_copy(
                update={"WeekendBookingEnabled": True, "MonthsToSync": 6}
            ),
            "MediaSettings": document.MediaSettings.model_copy(
                update={"ColorCode": "#336699", "TextContainer": {"heading": "Velkommen"}}
            ),
        }
    )
    saved = backend.put_subdomain(changed, if_match=version)
    assert saved.RowVersion != version
    again = backend.subdomain()
    assert again.FlexibilitySettings.WeekendBookingEnabled
    assert again.FlexibilitySettings.MonthsToSync == 6
    assert again.MediaSettings.TextContainer == {"heading": "Velkommen"}
    with pytest.raises(SiteConflict, match="changed since") as conflict:
        backend.put_subdomain(changed, if_match=version)
    assert conflict.value.status == 412
    unchanged = backend.put_subdomain(again)
    assert unchanged.RowVersion == again.RowVersion  # same content: same version


def test_subdomain_rename_and_availability(new_account: NewAccount) -> None:
    first, second = new_account(seeded=False), new_account(seeded=False)
    assert not first.backend.subdomain_available(second.subdomain).Available
    bad = first.backend.subdomain_available("Not_A_Label")
    assert not bad.Available and bad.Reason
    free = f"ny-{uuid.uuid4().hex[:10]}"
    assert first.backend.subdomain_available(free).Available
    with pytest.raises(SiteConflict, match="taken"):
        first.backend.put_subdomain(
            first.backend.subdomain().model_copy(update={"Name": second.subdomain})
        )
    renamed = first.backend.put_subdomain(
        first.backend.subdomain().model_copy(update={"Name": free})
    )
    assert renamed.Name == free
    with pytest.raises(SiteRejected, match="lower case"):
        first.backend.put_subdomain(renamed.model_copy(update={"Name": "Storgata"}))


def test_template_merge_fields_and_boka_vard_are_checked(account: SiteAccount) -> None:
    document = account.backend.subdomain()
    messages = document.Messages.model_copy(
        update={
            "Sms": document.Messages.Sms.model_copy(
                update={"Booked": "Hei {{ patient_frist_name }}"}
            )
        }
    )
    with pytest.raises(SiteRejected, match="did you mean"):
        account.backend.put_subdomain(document.model_copy(update={"Messages": messages}))
    with pytest.raises(SiteRejected, match="only for Swedish accounts"):
        account.settings(IsPublishedOnBokaVard=True)


def test_free_time_diff_row_versions_and_paging(account: SiteAccount) -> None:
    backend, db = account.backend, account.database_id
    state = backend.free_time(db, page_size=4)  # 15 batches in 4 pages
    assert len(state.Items) == 15
    assert len({b.ID for b in state.Items}) == 15
    monday = next_monday()
    first = state.Items[0]
    replacement = free_day(first.Start.date(), first.ClinicID, first.ClinicianID, hours=(9, 11))
    result = backend.apply_free_time(
        db, TimeSlotDiffV2(Removed=[first], Added=[replacement]), base_row_version=state.RowVersion
    )
    assert result.Removed == 1 and len(result.Added) == 1
    with pytest.raises(SiteConflict, match="changed since"):
        backend.apply_free_time(
            db, TimeSlotDiffV2(Removed=[state.Items[1]]), base_row_version=state.RowVersion
        )
    with pytest.raises(SiteConflict, match="no such batch"):
        backend.apply_free_time(db, TimeSlotDiffV2(Removed=[first]))
    with pytest.raises(SiteConflict, match="exists already"):
        backend.apply_free_time(db, TimeSlotDiffV2(Added=[free_day(monday, 2, 12)]))
    with pytest.raises(SiteRejected, match="no such clinician"):
        backend.apply_free_time(db, TimeSlotDiffV2(Added=[free_day(monday, 2, 99)]))
    after = backend.free_time(db)
    assert after.RowVersion == result.RowVersion
    assert len(after.Items) == 15


def test_one_service_per_database(account: SiteAccount) -> None:
    backend, db = account.backend, [account.database_id]
    online = backend.register_online(db, service_id="svc-a", machine="KLINIKK-SRV01")
    assert online.Databases[0].TargetState == 1
    assert online.Databases[0].ClientMachineName == "KLINIKK-SRV01"
    backend.heartbeat(db, service_id="svc-a")
    with pytest.raises(SiteConflict, match="another service on KLINIKK-SRV01") as conflict:
        backend.register_online(db, service_id="svc-b", machine="LAPTOP")
    assert "only one may run" in str(conflict.value)
    offline = backend.register_offline(db, service_id="svc-a")
    assert offline.Databases[0].TargetState == 0
    with pytest.raises(SiteConflict, match="not registered online"):
        backend.heartbeat(db, service_id="svc-b")
    assert backend.register_online(db, service_id="svc-b").Databases[0].TargetState == 1
    with pytest.raises(SiteRejected, match="register it first"):
        backend.register_online([uuid.uuid4()], service_id="svc-b")


def test_accounts_are_isolated(new_account: NewAccount, people: People) -> None:
    first, second = new_account(), new_account()
    with pytest.raises(SiteRejected, match="not found"):
        second.backend.master_data(first.database_id)
    public = second.public()
    slot = first.public().available_times(5)[0]
    with pytest.raises(SiteRejected, match="names no clinic"):
        public.book(BookingDTO(Patient=people.patient(0), TimeSlot=slot))
    assert list(second.backend.events()) == []


def test_events_feed_pages_and_acknowledges(account: SiteAccount, people: People) -> None:
    account.settings(SkipConfirmation=True)
    public = account.public()
    slots = public.available_times(5, clinic_id=public.clinics()[1].ID, clinician_id=10)
    booked = [
        public.book(
            BookingDTO(Patient=people.patient(n), TimeSlot=slots[n], CampaignCode=None)
        ).booking_id
        for n in range(3)
    ]
    events = list(account.backend.events(page_size=2))
    assert [e.BookingId for e in events] == booked
    assert all(e.Kind == "new" for e in events)
    first = events[0]
    assert first.Booking.Patient.PatientPersonalIdentification == people.ids[0]
    assert first.Booking.TimeSlot.ClinicID == 1 and first.Booking.TimeSlot.ClinicianID == 10
    assert first.OpusDatabaseID == account.database_id
    assert account.backend.acknowledge(events[1].Cursor) == events[1].Cursor
    assert [e.BookingId for e in account.backend.events()] == booked[2:]
    with pytest.raises(SiteRejected, match="past the last event"):
        account.backend.acknowledge(str(int(events[2].Cursor) + 1000))


def test_store_survives_a_restart(tmp_path: Path, pki: Pki) -> None:
    path = tmp_path / "site.db"
    account_id, key = str(uuid.uuid4()), "restart-key-123"
    certificate = ClientCertificate.load(pki.good, "p12-Pass-w0rd")
    with BackgroundSite(path) as first:
        first.store.register_account(account_id, key, "restart")
        with connect_backend(first.url, key, certificate, retry=FAST) as backend:
            backend.activate()
            seed(backend, uuid.UUID(int=1))
            token = backend.token()
    with (
        BackgroundSite(path) as second,
        connect_backend(second.url, key, certificate, retry=FAST) as backend,
    ):
        backend._token = token  # the token issued before the restart still works
        assert backend.databases()[0].Name == "OpusDental"
        assert len(backend.free_time(uuid.UUID(int=1)).Items) == 15
        assert backend.token().reveal() == token.reveal()
        with connect_dev(second.url) as dev, pytest.raises(SiteRejected, match="no such path"):
            dev.outbox()  # no dev API without --dev


def test_free_time_slot_times(account: SiteAccount) -> None:
    slots = account.public().available_times(5, clinic_id=account.public().clinics()[0].ID)
    monday = next_monday()
    assert slots[0].Start == at(monday, 8)
    assert slots[0].End - slots[0].Start == dt.timedelta(minutes=30)
