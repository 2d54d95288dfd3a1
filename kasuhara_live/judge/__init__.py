"""Judging the call: Japanese matching, harassment rules, call-level state and response scripts."""
