"""Everything that runs inside Rasa's processes or talks to them: the input channel the gateway posts to, the client
the gateway posts with, the conversation store, the review broker, the action server and the NLU components.

May import: bot.disputes, bot.store, bot.review, bot.nlu, bot.patches, bot.settings, rasa, rasa_sdk, sanic.
Never imported by bot.disputes.
"""
