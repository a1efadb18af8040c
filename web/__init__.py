"""wenshu.web"""
