"""What the tests share besides fixtures in conftest.py: stand-ins for what the project talks to (a fake Telegram
Bot API server, a stand-in Rasa, a loopback HTTP server), clients that talk to it as a browser or buyer would (a
socket.io client), a gateway served on loopback, sample files, polling helpers, and the end-to-end tests' shared
stack and browser fixtures. Import as `support.<module>` (tests/ is on the path, as for conftest.py).

The full stack itself (gateway, Rasa and action server under `python -m bot run`) is started by bench.stack, the
one launcher the end-to-end tests and the benchmarks share; support.e2e adds what only the tests need.
"""
