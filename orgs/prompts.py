"""Login prompts of the org tree (OPC-03). (placeholder: filled by the entry-progress feature)"""
