"""The use cases: each a function from a command's options to a result object, which the
CLI hands to ``slactl.render``. ``reading`` holds report, status, explain, the published
view and what-if; ``digest``, ``dashboard`` and ``notify`` one each. They read with
``slactl.ledger``, evaluate with ``slactl.compliance`` and decide nothing else."""
