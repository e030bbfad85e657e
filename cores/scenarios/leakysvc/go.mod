module coroner/scenarios/leakysvc

go 1.19
