"""操作中心 providers of the org tree (OPC-01). (placeholder: filled by the graduation feature)"""
