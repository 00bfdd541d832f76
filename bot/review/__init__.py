"""The review inbox: buyer messages the bot was unsure about, recorded from live conversations, labelled by an
admin and exported into the NLU training data (docs/adr/0010-review-inbox.md).

May import: bot.disputes (problem codes, errors). Its store is bot.store.review_inbox; its Rasa side is
bot.rasa.review_broker.
"""
