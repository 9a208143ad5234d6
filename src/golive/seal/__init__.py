"""Evidence people can check away from us: signed decisions (SSHSIG), runner checkpoints of the chain head,
`audit verify` over all of it, and self-contained bundles.

Signing happens in-process with asyncssh (ssh-agent first, then a key file); verifying uses the `sshsig`
library (built on `cryptography`), which checks a signature in about a tenth of a millisecond where
`ssh-keygen -Y verify` costs a process start each (bench/audit.py measures both).
"""

from golive.seal.keys import NAMESPACE, Signature, Signer, load_signer, runner_signer
from golive.seal.signers import AllowedSigners, signers_for_plan

__all__ = ["NAMESPACE", "AllowedSigners", "Signature", "Signer", "load_signer", "runner_signer", "signers_for_plan"]
