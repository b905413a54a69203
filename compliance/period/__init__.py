"""The period report (issue 22): operating effectiveness of the runtime controls over an audit
period, from the scheduled collections kept in the evidence store."""
