"""The tamper-evident record, in one place.

* :mod:`~ceasefire.record.ledger`: canonical encoding and the hash-chained log of writes;
* :mod:`~ceasefire.record.merkle`: RFC 6962 Merkle trees over rows and entries;
* :mod:`~ceasefire.record.keys`: the deployment's Ed25519 signing keys;
* :mod:`~ceasefire.record.checkpoints`: signed Merkle checkpoints over the ledger;
* :mod:`~ceasefire.record.verify`: the whole-record check behind ``ceasefire verify``;
* :mod:`~ceasefire.record.bundle`, :mod:`~ceasefire.record.bundle_format`,
  :mod:`~ceasefire.record.bundle_check`: evidence bundles that verify without a workspace.

Dependencies point one way: ledger → merkle; keys → ledger; checkpoints → keys; verify and
bundle → checkpoints. Nothing here is imported by :mod:`ceasefire.workspace`; the
workspace only offers a hook (:func:`ceasefire.workspace.on_store_open`) through which
:mod:`~ceasefire.record.checkpoints` signs automatic checkpoints.
"""

from ceasefire.record.checkpoints import attach as _attach_checkpoints
from ceasefire.workspace import on_store_open

on_store_open(_attach_checkpoints)
