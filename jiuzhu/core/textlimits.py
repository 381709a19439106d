"""How much free text one field takes: the same limit in the model (`max_length` of the column), the form
and the API schema, so that no way in stores more (a 27 000-character 申请原因 was once saved). Not policy
numbers: sanity bounds sized to what the paper forms hold."""

LINE = 200  # a one-line note: a reason to revoke, a remark
PARAGRAPH = 4000  # a reason, a situation, findings, a reply (the API took 4000 already)
RECORD = 10000  # a record written up: minutes, an investigation, a notice's text
TEMPLATE = 100_000  # the HTML of a document template (an administrator's)
