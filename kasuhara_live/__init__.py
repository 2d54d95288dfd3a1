"""kasuhara-live: live protection for Japanese contact-centre agents against customer harassment."""

__version__ = "0.1.0"
