"""The agreement (SPEC 3): ``loader`` (YAML -> frozen ``model`` objects), ``conditions``
(SPEC 3.1) and ``lint`` (SPEC 3.3). Import from the modules; this package imports nothing,
so that ``slactl.agreement.model`` stays cheap to import."""
