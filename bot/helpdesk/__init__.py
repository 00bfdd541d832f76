"""The help desk: hand-offs from the bot to people, what agents see and do, and handing back."""
