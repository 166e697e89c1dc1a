"""Operations: units, devices, positions, tasks, assignment and delivery to crews.

Public surface for the API, the CLI and other capabilities: :mod:`pasienis.ops.flows`
(:class:`~pasienis.ops.flows.Ops`, ``create``, ``assign_task``, ``change_status``,
``task_from_alert``, ``device_ack``), :mod:`pasienis.ops.service` (units and devices),
:mod:`pasienis.ops.positions` (``accept_fix``, ``track``, ``purge_positions``),
:mod:`pasienis.ops.escalation` (``escalate_overdue``) and :mod:`pasienis.ops.runtime`
(``ops_running``, entered by the app lifespan). Wire formats and protocols:
``docs/operations.md``.
"""
