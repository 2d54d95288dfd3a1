"""The call server: many calls at once from the centre's phone system (SIPREC, AudioHook) → one batched recogniser
→ the judge → the hub."""
