"""One exception root, so the command line can turn every expected failure into a one-line message."""


class KasuharaError(Exception):
    """Base of every error the user can cause and fix (bad input, bad config, missing model)."""


class ConfigError(KasuharaError):
    """A configuration file is unreadable, has an unknown key or a value out of range."""


class AudioError(KasuharaError):
    """Audio cannot be read, is empty, or has a format the pipeline cannot use."""


class DeviceLost(AudioError):
    """A live input device stopped delivering audio mid-call (unplugged, its driver or sound server gone).

    The call it was capturing is ended with ``reason`` (``call.ended``), not left open at the hub.
    """

    reason = "device_lost"


class ModelError(KasuharaError):
    """The speech-recognition model is missing, corrupt or cannot be loaded."""


class WireError(KasuharaError):
    """A wire message is malformed: not JSON, wrong version, unknown kind or bad fields."""


class StoreError(KasuharaError):
    """The call store cannot be opened or written, or a request names something it does not hold."""


class ConflictError(StoreError):
    """The store already holds something else under this key, and stored evidence is never rewritten: another
    seat's call, a purged call, or a different event with the same id. ``owned``: the call is another seat's."""

    def __init__(self, message: str, *, owned: bool = False) -> None:
        super().__init__(message)
        self.owned = owned
