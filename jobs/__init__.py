"""The scheduler process (``checkin scheduler``): one BlockingScheduler runs every job.

Each job is a *tick*: it asks the database what is due and not yet done, does it in one
transaction per office, and records what it did (:class:`checkin.models.JobRun`). A lease
row in the database lets only one scheduler process run the ticks. See docs/scheduler.md.
"""
