"""Judging the call: Japanese matching, harassment rules, call-level state and response scripts."""

from kasuhara_live.judge.compiled import use_compiled

COMPILED = use_compiled(__path__)  # the hot modules compiled by mypyc, when a fresh build exists
