allUsersData = {
    
color: '#FFA900',
name: 'Active Users',
data: [
  [1795566171000,4],[1795566172000,4],[1795566173000,4]
],
tooltip: { yDecimals: 0, ySuffix: '', valueDecimals: 0 }
    , zIndex: 20
    , yAxis: 1
};