"""The CoAP transport of the agent (RFC 7252 over UDP), by its public names.

The transport is split by job; import from here or from the module itself:

- `coap_server`: `CoapServer` (site, lifecycle, the inbox), `Inbound`;
- `coap_limits`: `SenderLimits` and the gate that applies them, priority senders first;
- `coap_client`: `CoapClient` (requests, retries with back-off, resolved peers),
  `SendResult`, `SendOutcome`, `CoapResponse`;
- `coap_resources`: `ReadOnlyResource`, `UploadResource` and the transport's own resources;
- `coap_common`: content formats, paths, errors, `CoapReply`, `Refused`, `remote_of`;
- `coap_spool` (Block1 reassembly) and `coap_dedup` (duplicate table): pure and bounded;
- `coap_block2`: Block2 answers to our GETs, block by block within a size limit;
- `coap_compat`: every use of aiocoap's private internals, pinned to its versions.

Nothing in the transport knows what a particle is: the node passes its checks in.
"""

from __future__ import annotations

from edge_agent.net.coap_client import CoapClient, CoapResponse, SendOutcome, SendResult
from edge_agent.net.coap_common import (
    CT_CBOR,
    CT_JSON,
    PARTICLE_PATH,
    RT_PARTICLE,
    RT_STATUS,
    SENDER_QUERY,
    STATUS_PATH,
    CoapReply,
    NotRunning,
    RefuseCode,
    Refused,
    Remote,
    RequestFailed,
    StartError,
    State,
    remote_of,
)
from edge_agent.net.coap_limits import SenderLimits
from edge_agent.net.coap_resources import ReadOnlyResource, UploadResource
from edge_agent.net.coap_server import CoapServer, Inbound

__all__ = [
    "CT_CBOR",
    "CT_JSON",
    "PARTICLE_PATH",
    "RT_PARTICLE",
    "RT_STATUS",
    "SENDER_QUERY",
    "STATUS_PATH",
    "CoapClient",
    "CoapReply",
    "CoapResponse",
    "CoapServer",
    "Inbound",
    "NotRunning",
    "ReadOnlyResource",
    "RefuseCode",
    "Refused",
    "Remote",
    "RequestFailed",
    "SendOutcome",
    "SendResult",
    "SenderLimits",
    "StartError",
    "State",
    "UploadResource",
    "remote_of",
]
