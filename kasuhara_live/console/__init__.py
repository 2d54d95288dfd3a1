"""The agent and supervisor consoles (Textual), fed by the hub through a :class:`link.ConsoleLink`.

``calls`` (the view of calls), ``link`` (messages) and ``texts`` are pure and import no Textual, so importing this
package stays cheap; the apps are in ``agent``, ``supervisor`` and ``app`` (``run_console``).
"""
