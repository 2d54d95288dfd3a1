"""SIPREC recording metadata (RFC 7865, ``application/rs-metadata+xml``): who is in the recorded call, which
stream each one sends, and so which channel is the agent and which the customer.

Channel order: channel 0 is the agent, channel 1 the customer.

- The agent is the participant one of whose AORs is a key of ``ingest.agents``: the whole AOR
  (``sip:2001@pbx.example``), or its user part (``2001``, an extension).
- When no AOR is a key, the convention is that the **first participant in the metadata is the caller** (SBCs —
  Cisco CUBE, Avaya SBCE, Oracle/Acme, AudioCodes — list the original call's From side first), so the customer,
  and the **second is the callee, the agent**.  That fits a contact centre's inbound calls; a site with outbound
  calls lists its agents' AORs or extensions in ``ingest.agents``.
- Without metadata (or without stream associations) the first recorded m-line is the agent's stream and the
  second the customer's (:func:`default_roles`).

Parsing is defensive: size-limited, and any DOCTYPE (and so any entity declaration) is refused before the XML
parser sees the document, so there is no entity expansion to abuse.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from kasuhara_live.errors import KasuharaError
from kasuhara_live.ingest.agents import AgentDirectory

NS = "urn:ietf:params:xml:ns:recording:1"
MAX_METADATA = 64 * 1024
_Q = "{" + NS + "}"


class MetadataError(KasuharaError):
    """The metadata is not a recording document we can read (one-line message)."""


@dataclass(frozen=True)
class Participant:
    """One participant of the recorded call."""

    id: str
    aors: tuple[str, ...]
    name: str = ""
    sends: tuple[str, ...] = ()  # stream labels (SDP a=label) this participant sends

    @property
    def aor(self) -> str:
        return self.aors[0] if self.aors else ""


@dataclass(frozen=True)
class Roles:
    """Which participant is which, and the SDP label each channel is read from ("" when unknown)."""

    agent: Participant | None
    customer: Participant | None
    agent_key: str  # the ingest.agents key that matched, else the agent's AOR
    caller: str  # the customer's number: the user part of their AOR
    labels: tuple[str, str] = ("", "")  # (agent's stream label, customer's stream label)


def parse_metadata(data: bytes) -> list[Participant]:
    """The participants, in document order, with the labels of the streams each sends."""
    root = _root(data)
    labels = {_attr(s, "stream_id", "id"): _text(s, "label") for s in root.iter(_Q + "stream")}
    sends: dict[str, list[str]] = {}
    for assoc in root.iter(_Q + "participantstreamassoc"):
        pid = _attr(assoc, "participant_id", "id")
        for sent in assoc.iter(_Q + "send"):
            stream_id = (sent.text or "").strip()
            sends.setdefault(pid, []).append(labels.get(stream_id, ""))
    participants: list[Participant] = []
    for element in root.iter(_Q + "participant"):
        pid = _attr(element, "participant_id", "id")
        name_ids = list(element.iter(_Q + "nameID"))
        aors = tuple(_clean_aor(n.get("aor", "")) for n in name_ids if n.get("aor"))
        aors += tuple(_clean_aor(a.text or "") for a in element.iter(_Q + "aor") if a.text)  # the draft form
        name = next((_text(n, "name") for n in name_ids if _text(n, "name")), "")
        for pss in element.iter(_Q + "send"):  # the draft form: <send> inside <participant>
            sends.setdefault(pid, []).append(labels.get((pss.text or "").strip(), ""))
        participants.append(Participant(pid, aors, name, tuple(s for s in sends.get(pid, []) if s)))
    return participants


def _root(data: bytes) -> ET.Element:
    if len(data) > MAX_METADATA:
        raise MetadataError(f"metadata: {len(data)} bytes is over the {MAX_METADATA}-byte limit")
    if re.search(rb"<!\s*(DOCTYPE|ENTITY)", data, re.IGNORECASE):
        raise MetadataError("metadata: a DOCTYPE or ENTITY declaration is refused")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as err:
        raise MetadataError(f"metadata: not well-formed XML ({err})") from None
    except (LookupError, ValueError) as err:  # an XML declaration naming an encoding Python does not know
        raise MetadataError(f"metadata: unreadable XML ({str(err)[:80]})") from None
    if root.tag != _Q + "recording":
        raise MetadataError(f"metadata: the root is {root.tag[:80]!r}, not <recording> in {NS}")
    return root


def _attr(element: ET.Element, *names: str) -> str:
    return next((element.get(n, "") for n in names if element.get(n)), "")


def _text(element: ET.Element, child: str) -> str:
    found = element.find(_Q + child)
    return (found.text or "").strip() if found is not None else ""


def _clean_aor(aor: str) -> str:
    return aor.strip().strip("<>").split(";", 1)[0]


def aor_user(aor: str) -> str:
    """``sip:2001@pbx.example`` → ``2001``; ``tel:+81312345678`` → ``+81312345678``."""
    rest = aor.split(":", 1)[1] if ":" in aor else aor
    return rest.split("@", 1)[0]


def _matching_key(participant: Participant, agents: AgentDirectory) -> str:
    return next((key for key in map(agents.key_for, participant.aors) if key), "")


def choose_roles(participants: Sequence[Participant], agents: AgentDirectory) -> Roles:
    """Agent and customer: by ``ingest.agents`` keys, else the caller-first convention in the module docstring."""
    agent = next((p for p in participants if _matching_key(p, agents)), None)
    if agent is None and len(participants) >= 2:
        agent = participants[1]
    customer = next((p for p in participants if p is not agent), None)
    if agent is None:
        return Roles(None, customer, "", aor_user(customer.aor) if customer else "", default_labels(customer))
    key = _matching_key(agent, agents) or agent.aor
    caller = aor_user(customer.aor) if customer else ""
    labels = (agent.sends[0] if agent.sends else "", customer.sends[0] if customer and customer.sends else "")
    return Roles(agent, customer, key, caller, labels)


def default_labels(customer: Participant | None) -> tuple[str, str]:
    """The labels when only the customer is known."""
    return ("", customer.sends[0] if customer and customer.sends else "")


def default_roles() -> Roles:
    """No metadata: nobody is known; the SDP order decides the channels."""
    return Roles(None, None, "", "")
