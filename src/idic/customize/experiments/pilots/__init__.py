"""Pilots: the "picket fence" roll-out (Peppers & Rogers ch. 13): a stratified, balanced
plan of which customers or regions get a new treatment first and in which waves the roll-out
widens (:mod:`.plan`, :mod:`.balance`), and its evaluation as return on customer and
customer-equity change of test vs control, difference-in-differences against the pre-period
with a bootstrap interval (:mod:`.evaluate`). Saved in the tables ``pilots`` and
``pilot_units`` (:mod:`.store`). See docs/experiments.md, "Pilots"."""
