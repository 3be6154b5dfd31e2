"""Opportunities and follow-up tasks for people (Peppers & Rogers, *Managing Customer
Experience and Relationships*, ch. 13 "be proactive"; the course notes: "automate and
manually generate new opportunities", "provide accurate follow-up").

Next best actions that need a human (:mod:`.rules`) become tasks in the ``tasks`` table
(:mod:`.stage`), owned by a person or a team queue (:mod:`.owners`), worked and closed by
people (:mod:`.store`); the outcomes of closed tasks give a measured response rate per
action with a Wilson interval (:mod:`.outcomes`).
"""
