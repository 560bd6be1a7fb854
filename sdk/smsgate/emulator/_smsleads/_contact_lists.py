"""The contact-list commands: ``newCL``, ``removeCL``, ``addNumCL``, ``rmNumCL``, ``getCL`` and ``getCLbyID``.

Rejected phones and missing lists are listed in ``<errors>`` with status 0 (partial success).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from lxml import etree

from smsgate.emulator._smsleads._codes import Refused, SmsLeadsCode, missing_field
from smsgate.emulator._smsleads._replies import Answer, contact_list_rows, error_list, node
from smsgate.emulator._smsleads._request import child_of, children_of, required_child, text_of
from smsgate.emulator._smsleads._state import NAME_LENGTH, SmsLeadsAccount, SmsLeadsContact, SmsLeadsContactList
from smsgate.emulator._smsleads._values import normalize_mobile

if TYPE_CHECKING:
    from smsgate.emulator._smsleads._provider import SmsLeads

__all__ = ["add_num_cl", "get_cl", "get_cl_by_id", "new_cl", "remove_cl", "rm_num_cl"]


def _bad_phone(phone: str) -> str:
    return f"The phone {phone} is too long or too short or contain characters and therefore not added"


def _contacts(destinations: etree._Element, errors: list[str]) -> list[SmsLeadsContact]:
    contacts: list[SmsLeadsContact] = []
    for destination in children_of(destinations, "destination"):
        raw_phone = text_of(child_of(destination, "phone"))
        phone = normalize_mobile(raw_phone)
        if phone is None:
            errors.append(_bad_phone(raw_phone))
            continue
        values = [text_of(child_of(destination, f"df{n}")) for n in range(1, 7)]
        contacts.append(SmsLeadsContact(phone, (values[0], values[1], values[2], values[3], values[4], values[5])))
    return contacts


def _merge(cl: SmsLeadsContactList, contacts: Iterable[SmsLeadsContact]) -> None:
    for contact in contacts:
        existing = cl.find(contact.phone)
        if existing is None:
            cl.contacts.append(contact)
        else:
            existing.fields = contact.fields


def new_cl(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    items = children_of(root, "cl")
    if not items:
        raise missing_field("cl")
    checked: list[tuple[str, etree._Element]] = []
    for item in items:
        name = text_of(required_child(item, "name"))
        if len(name) not in NAME_LENGTH:
            raise Refused(SmsLeadsCode.BAD_NAME)
        checked.append((name, required_child(item, "destinations")))
    errors: list[str] = []
    identifiers: list[etree._Element] = []
    for name, destinations in checked:
        cl = SmsLeadsContactList(smsleads.new_list_id(), account.username, name)
        _merge(cl, _contacts(destinations, errors))
        smsleads.contact_lists[cl.id] = cl
        identifiers.append(node("identifier", str(cl.id)))
    return Answer(
        message="conact list successfully created",
        body=[*error_list(errors), node("identifiers", children=identifiers)],
    )


def remove_cl(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    ids = [text_of(element) for element in children_of(required_child(root, "cl"), "id")]
    if not ids:
        raise missing_field("id")
    found = [(raw_id, smsleads.own_list(account, raw_id)) for raw_id in ids]
    if all(cl is None for _, cl in found):
        raise Refused(SmsLeadsCode.NO_CONTACT_LIST)
    errors: list[str] = []
    for raw_id, cl in found:
        if cl is None or cl.id not in smsleads.contact_lists:
            errors.append(f"contact list id: {raw_id} does not exist and therefore not removed")
        else:
            del smsleads.contact_lists[cl.id]
    return Answer(message="contact list successfully removed", body=error_list(errors))


def _list_items(root: etree._Element) -> list[tuple[str, etree._Element]]:
    items = children_of(root, "cl")
    if not items:
        raise missing_field("cl")
    return [(text_of(required_child(item, "id")), required_child(item, "destinations")) for item in items]


def add_num_cl(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    items = [(raw_id, smsleads.own_list(account, raw_id), dests) for raw_id, dests in _list_items(root)]
    if all(cl is None for _, cl, _ in items):
        raise Refused(SmsLeadsCode.NO_CONTACT_LIST)
    errors: list[str] = []
    for raw_id, cl, destinations in items:
        if cl is None:
            errors.append(f"contact list id: {raw_id} does not exist and therefore not updated")
            continue
        _merge(cl, _contacts(destinations, errors))
    return Answer(message="Successfully added phone numbers", body=error_list(errors))


def rm_num_cl(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    items = [(raw_id, smsleads.own_list(account, raw_id), dests) for raw_id, dests in _list_items(root)]
    if all(cl is None for _, cl, _ in items):
        raise Refused(SmsLeadsCode.NO_CONTACT_LIST)
    errors: list[str] = []
    for raw_id, cl, destinations in items:
        if cl is None:
            errors.append(f"contact list id: {raw_id} does not exist and therefore not removed")
            continue
        for element in children_of(destinations, "phone"):
            raw_phone = text_of(element)
            phone = normalize_mobile(raw_phone)
            contact = None if phone is None else cl.find(phone)
            if phone is None:
                errors.append(f"The phone {raw_phone} is too long or too short or contain characters")
            elif contact is None:
                errors.append(f"The phone {raw_phone} is not in contact list id: {cl.id} and therefore not removed")
            else:
                cl.contacts.remove(contact)
    return Answer(message="Successfully deleted phone numbers", body=error_list(errors))


def get_cl(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    rows = [
        row
        for cl in smsleads.contact_lists.values()
        if cl.username == account.username
        for row in contact_list_rows(cl, True)
    ]
    return Answer(body=[node("contact_lists", children=rows)])


def get_cl_by_id(smsleads: SmsLeads, account: SmsLeadsAccount, root: etree._Element) -> Answer:
    cl = smsleads.own_list(account, text_of(required_child(required_child(root, "cl"), "id")))
    if cl is None:
        raise Refused(SmsLeadsCode.NO_CONTACT_LIST)
    return Answer(body=[node("contact_lists", children=contact_list_rows(cl, False))])
