"""Load benchmark: simulated buyers holding whole conversations through the gateway, and stock Rasa side by side
(`python -m bench.load --help`; `make bench`). One module per job:

- cli: the command line and the run's order (training time, our stack, stock Rasa, the report)
- scripts: what the simulated buyers say and what each reply must hold
- traffic: N buyers, C at a time, over the REST chat endpoint or socket.io; turns timed, replies checked
- ours: our stack (bench.stack's launcher) in profile single or scaled, driven channel by channel
- stock: stock Rasa's moodbot (`rasa init`) trained, run and driven the same way
- measure: peak memory per process, CPU per message by role, a forced training's time
- stores: a temporary PostgreSQL database, the bench buyers, the disputes counted afterwards
- report: ratios of ours over stock, the JSON file under bench/results/, the table for people
"""
