from jiuzhu.monitoring.models.register import *  # noqa: F403
from jiuzhu.monitoring.models.watch import *  # noqa: F403
